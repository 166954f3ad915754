-- IN fans out: one listing per user and package type.
SELECT username, package_type, COUNT(*) AS packages, SUM(version_count) AS versions
  FROM github.packages.user_packages
 WHERE username IN ('octocat', 'monalisa')
   AND package_type IN ('npm', 'container')
 GROUP BY username, package_type
HAVING COUNT(*) > 1
 ORDER BY username, package_type;
