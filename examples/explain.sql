-- The plan: which method, which REST calls, what goes to GitHub and what
-- pkgql filters itself. Nothing is called.
EXPLAIN SELECT name, version_count
          FROM github.packages.user_packages
         WHERE username = 'octocat' AND package_type = 'npm'
           AND visibility = 'private' AND version_count = 0;

EXPLAIN SELECT name
          FROM github.packages.user_packages
         WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';
