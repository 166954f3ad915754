-- visibility is pushed down to GitHub's filter; version_count is filtered by
-- pkgql; ORDER BY and LIMIT run over the rows that come back.
SELECT name, version_count, visibility, updated_at
  FROM github.packages.user_packages
 WHERE username = 'octocat'
   AND package_type = 'container'
   AND visibility = 'public'
   AND version_count >= 10
 ORDER BY version_count DESC, name
 LIMIT 10;
