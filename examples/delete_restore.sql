-- Delete a package, see it gone, restore it, see it back.
SELECT COUNT(*) AS hello_packages FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND name = 'hello';

DELETE FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND package_name = 'hello';

SELECT COUNT(*) AS hello_packages FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND name = 'hello';

EXEC github.packages.user_packages.restore_package_for_user
     @username = 'octocat', @package_type = 'npm', @package_name = 'hello';

SELECT COUNT(*) AS hello_packages FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm' AND name = 'hello';
