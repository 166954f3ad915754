-- GitHub never deletes a package's last live version: the report says so,
-- and points to deleting the package.
DELETE FROM github.packages.package_versions
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'
   AND package_version_id IN (1001, 1002);

DELETE FROM github.packages.package_versions
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello'
   AND package_version_id = 1003;
