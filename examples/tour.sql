-- A one-minute tour of pkgql on the built-in sandbox (no token, no network):
--   go run ./cmd/pkgql --sandbox exec -f examples/tour.sql

-- What can be queried.
SHOW RESOURCES IN github.packages;

-- Params are bound in WHERE; everything else is SQL.
SELECT name, version_count, visibility, updated_at
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container' AND visibility = 'public'
 ORDER BY version_count DESC
 LIMIT 5;

-- Aggregates over a fan-out: one listing per package type.
SELECT package_type, COUNT(*) AS n, SUM(version_count) AS versions
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type IN ('npm', 'container')
 GROUP BY package_type;

-- A bound package_name is one GET; object fields are JSON.
SELECT name, JSON_EXTRACT(repository, '$.full_name') AS repo
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';

-- Delete it, and restore it (deleted packages can be restored for 30 days).
DELETE FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';

EXEC github.packages.user_packages.restore_package_for_user
     @username = 'octocat', @package_type = 'npm', @package_name = 'hello';

-- The plan of a statement, without running it.
EXPLAIN SELECT name FROM github.packages.user_packages
         WHERE username = 'octocat' AND package_type = 'npm' AND version_count = 0;
