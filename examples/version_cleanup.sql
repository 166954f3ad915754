-- flags: --yes
-- Delete acme/hello-world's untagged versions from before 2022, then
-- restore one of them. With --yes the DELETE runs after its preview.
SELECT COUNT(*) AS live_versions FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world';

DELETE FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world'
   AND json_array_length(tags) = 0 AND created_at < '2022-01-01';

EXEC github.packages.package_versions.restore_package_version_for_org
     @org = 'acme', @package_type = 'container', @package_name = 'acme/hello-world', @package_version_id = 302003;

SELECT COUNT(*) AS live_versions FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world';

-- The versions deleted and still restorable are listed with state = 'deleted'.
SELECT id FROM github.packages.package_versions
 WHERE org = 'acme' AND package_type = 'container' AND package_name = 'acme/hello-world'
   AND state = 'deleted' ORDER BY id;
