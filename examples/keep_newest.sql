-- flags: --dry-run
-- Keep the 3 newest tagged images of a package: delete the older tagged
-- ones (signatures are not images). Their children become untagged
-- garbage, which cleanup_untagged.sql then collects.
DELETE FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
   AND id IN (SELECT v.id FROM github.packages.package_versions v
               WHERE v.org = 'shipyard' AND v.package_type = 'container' AND v.package_name = 'app'
                 AND json_array_length(v.tags) > 0 AND v.signs IS NULL
                 AND (SELECT count(*) FROM github.packages.package_versions n
                       WHERE n.org = 'shipyard' AND n.package_type = 'container' AND n.package_name = 'app'
                         AND json_array_length(n.tags) > 0 AND n.signs IS NULL
                         AND n.created_at > v.created_at) >= 3);
