-- flags: --dry-run
-- Delete pull request builds (pr-* tags) older than 14 days, together with
-- the platform manifests and attestations of their indexes.
DELETE FROM github.packages.package_versions
 WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
   AND id IN (SELECT v.id FROM github.packages.package_versions v
               WHERE v.org = 'shipyard' AND v.package_type = 'container' AND v.package_name = 'app'
                 AND v.created_at < datetime('now', '-14 days')
                 AND (v.tags LIKE '%"pr-%'
                      OR EXISTS (SELECT 1 FROM github.packages.package_versions p
                                  WHERE p.org = 'shipyard' AND p.package_type = 'container' AND p.package_name = 'app'
                                    AND p.tags LIKE '%"pr-%' AND instr(p.children, v.name) > 0)));
