-- An organization's packages: org chooses the organization's methods.
-- octocat is an admin of acme and not a member of initech, which shows
-- octocat its public packages only.
SELECT name, visibility, version_count FROM github.packages.packages
 WHERE org = 'acme' AND package_type = 'container'
 ORDER BY version_count DESC LIMIT 5;

SELECT visibility, COUNT(*) AS packages FROM github.packages.packages
 WHERE org = 'initech' AND package_type IN ('npm', 'container', 'maven')
 GROUP BY visibility;

-- Neither org nor username: the authenticated user's own packages.
SELECT name, version_count FROM github.packages.packages
 WHERE package_type = 'npm' ORDER BY name LIMIT 3;
