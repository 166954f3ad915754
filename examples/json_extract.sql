-- owner and repository are JSON objects; JSON_EXTRACT reads into them.
SELECT name,
       JSON_EXTRACT(owner, '$.login') AS owner,
       JSON_EXTRACT(repository, '$.full_name') AS repo,
       JSON_EXTRACT(repository, '$.private') AS repo_private
  FROM github.packages.user_packages
 WHERE username = 'octocat' AND package_type = 'npm'
 ORDER BY name
 LIMIT 5;
