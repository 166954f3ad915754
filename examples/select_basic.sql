-- The first packages of one type in a user's namespace.
SELECT id, name, package_type, visibility, version_count
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm'
 ORDER BY id
 LIMIT 5;
