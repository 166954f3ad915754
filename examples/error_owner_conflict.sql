-- org and username choose different methods: binding both is an error
-- before any request.
SELECT name FROM github.packages.packages
 WHERE org = 'acme' AND username = 'octocat' AND package_type = 'npm';
