-- flags: --yes
-- The naive cleanup, "delete every untagged version": the guard keeps every
-- platform manifest, attestation and SBOM a surviving tag needs, says which
-- tag on each row, and deletes the rest.
DELETE FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
   AND json_array_length(tags) = 0;
