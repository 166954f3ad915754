-- What the image graph costs, before anything is sent: the registry reads
-- each column needs, as bounds (only the listing tells how many versions a
-- package has), and what the guard of a container-version DELETE reads.
EXPLAIN SELECT name, platform, in_use
          FROM github.packages.package_versions
         WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
           AND json_array_length(tags) = 0 AND NOT in_use;

EXPLAIN DELETE FROM github.packages.package_versions
         WHERE org = 'shipyard' AND package_type = 'container' AND package_name = 'app'
           AND json_array_length(tags) = 0;
