-- A listing needs username: the error names the resource, the missing
-- param and the methods that would take it, and no request is made.
SELECT name FROM github.packages.user_packages WHERE package_type = 'npm';
