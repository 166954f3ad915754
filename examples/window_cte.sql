-- Keep-N, per type: the 2 newest packages of each type, numbered.
SELECT package_type, name, created_at, rn
  FROM (SELECT package_type, name, created_at,
               ROW_NUMBER() OVER (PARTITION BY package_type ORDER BY created_at DESC) AS rn
          FROM github.packages.user_packages
         WHERE username = 'octocat' AND package_type IN ('npm', 'nuget'))
 WHERE rn <= 2
 ORDER BY package_type, rn;

-- Two CTEs, one read twice, with quoted names: each type's count and versions.
WITH "p" AS (SELECT "package_type", "version_count"
               FROM "github"."packages"."user_packages"
              WHERE "username" = 'monalisa' AND "package_type" IN ('npm', 'maven')),
     counts AS (SELECT package_type, COUNT(*) AS n FROM p GROUP BY package_type)
SELECT c.package_type, c.n, SUM(p.version_count) AS versions,
       RANK() OVER (ORDER BY SUM(p.version_count) DESC) AS by_versions
  FROM counts c JOIN p ON p.package_type = c.package_type
 GROUP BY c.package_type, c.n
 ORDER BY by_versions;

-- Times: created in 2024, by month.
SELECT date_trunc('month', created_at) AS month, COUNT(*) AS created
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'container'
   AND created_at >= '2024-01-01' AND created_at < '2024-01-01'::timestamptz + INTERVAL 1 YEAR
 GROUP BY month
 ORDER BY month;
