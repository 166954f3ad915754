-- The image graph of a container package, read from the registry because
-- the statement names its columns: what each digest is, and whether a tag
-- still needs it.
SELECT substr(name, 8, 12) AS digest, tags, platform, substr(signs, 8, 12) AS signs,
       json_array_length(children) AS children, json_array_length(parents) AS parents, in_use
  FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
 ORDER BY created_at;
