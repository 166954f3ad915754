-- A join: npm packages that octocat and monalisa both have, by name.
SELECT o.name, o.version_count AS octocat_versions, m.version_count AS monalisa_versions
  FROM github.packages.user_packages o
  JOIN github.packages.user_packages m ON m.name = o.name
 WHERE o.username = 'octocat' AND o.package_type = 'npm'
   AND m.username = 'monalisa' AND m.package_type = 'npm'
 ORDER BY o.name;

-- A subquery: octocat's npm packages with more versions than their average.
SELECT name, version_count
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm'
   AND version_count > (SELECT AVG(version_count)
                          FROM github.packages.user_packages
                         WHERE username = 'octocat' AND package_type = 'npm')
 ORDER BY version_count DESC, name
 LIMIT 5;
