-- flags: --dry-run
-- With --dry-run a DELETE shows the REST call it would make and makes none.
DELETE FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';
