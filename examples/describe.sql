DESCRIBE github.packages.user_packages;
