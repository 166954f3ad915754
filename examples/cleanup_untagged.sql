-- flags: --yes
-- Delete untagged container versions older than 30 days that no tag needs:
-- exactly the garbage, so the guard refuses nothing.
DELETE FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
   AND json_array_length(tags) = 0 AND NOT in_use
   AND created_at < datetime('now', '-30 days');
SELECT count(*) AS versions, sum(in_use) AS in_use
  FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app';
