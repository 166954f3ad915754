-- The versions of one container image, newest first: tags is a JSON array.
SELECT id, tags, created_at FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world'
 LIMIT 4;

-- Untagged versions created before 2022: the cleanup candidates.
SELECT id, created_at FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world'
   AND json_array_length(tags) = 0 AND created_at < '2022-01-01'
 ORDER BY created_at;

-- One version by id: a single GET.
SELECT name, package_name, JSON_EXTRACT(metadata, '$.package_type') AS type
  FROM github.packages.package_versions
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello' AND package_version_id = 1002;

-- Every npm package of acme with its versions: one listing, then each
-- package's versions, concurrently.
SELECT p.name, COUNT(v.id) AS versions, MAX(v.created_at) AS newest
  FROM github.packages.packages p
  JOIN github.packages.package_versions v
    ON v.org = 'acme' AND v.package_type = p.package_type AND v.package_name = p.name
 WHERE p.org = 'acme' AND p.package_type = 'npm'
 GROUP BY p.name ORDER BY versions DESC;
