-- flags: --yes
-- Delete signatures, attestations and referrers whose image is gone: they
-- belong to a digest (signs) that is no version of the package any more.
DELETE FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
   AND signs IS NOT NULL
   AND signs NOT IN (SELECT name FROM github.packages.package_versions
                      WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app');
