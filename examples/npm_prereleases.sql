-- flags: --dry-run
-- Delete npm pre-releases (1.2.0-beta.1: a version with a '-') older than 90
-- days. npm versions have no image graph, so no guard applies.
DELETE FROM github.packages.package_versions
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'
   AND name LIKE '%-%' AND created_at < datetime('now', '-90 days');
