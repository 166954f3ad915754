SHOW PROVIDERS;
SHOW SERVICES IN github;
SHOW RESOURCES IN github.packages;
SHOW METHODS IN github.packages.user_packages;
