-- A bound package_name reads one package with one GET, no listing.
-- Container names may hold "/": pkgql escapes it in the request path.
SELECT id, name, package_type, visibility, version_count, created_at, html_url
  FROM github.packages.user_packages
 WHERE username = 'octocat'
   AND package_type = 'container'
   AND package_name = 'octocat/hello-world';
