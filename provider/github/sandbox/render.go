package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The JSON shapes below follow GitHub's "package", "simple-user" and
// "minimal-repository" schemas, with fields in the order of the example
// responses in GitHub's REST docs, so that sandbox output reads like GitHub's.

type apiPackage struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	PackageType  string         `json:"package_type"`
	Owner        apiUser        `json:"owner"`
	VersionCount int            `json:"version_count"`
	Visibility   string         `json:"visibility"`
	URL          string         `json:"url"`
	CreatedAt    string         `json:"created_at"`
	UpdatedAt    string         `json:"updated_at"`
	Repository   *apiRepository `json:"repository"`
	HTMLURL      string         `json:"html_url"`
}

type apiUser struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	SiteAdmin         bool   `json:"site_admin"`
}

type apiRepository struct {
	ID               int64   `json:"id"`
	NodeID           string  `json:"node_id"`
	Name             string  `json:"name"`
	FullName         string  `json:"full_name"`
	Private          bool    `json:"private"`
	Owner            apiUser `json:"owner"`
	HTMLURL          string  `json:"html_url"`
	Description      string  `json:"description"`
	Fork             bool    `json:"fork"`
	URL              string  `json:"url"`
	ForksURL         string  `json:"forks_url"`
	KeysURL          string  `json:"keys_url"`
	CollaboratorsURL string  `json:"collaborators_url"`
	TeamsURL         string  `json:"teams_url"`
	HooksURL         string  `json:"hooks_url"`
	IssueEventsURL   string  `json:"issue_events_url"`
	EventsURL        string  `json:"events_url"`
	AssigneesURL     string  `json:"assignees_url"`
	BranchesURL      string  `json:"branches_url"`
	TagsURL          string  `json:"tags_url"`
	BlobsURL         string  `json:"blobs_url"`
	GitTagsURL       string  `json:"git_tags_url"`
	GitRefsURL       string  `json:"git_refs_url"`
	TreesURL         string  `json:"trees_url"`
	StatusesURL      string  `json:"statuses_url"`
	LanguagesURL     string  `json:"languages_url"`
	StargazersURL    string  `json:"stargazers_url"`
	ContributorsURL  string  `json:"contributors_url"`
	SubscribersURL   string  `json:"subscribers_url"`
	SubscriptionURL  string  `json:"subscription_url"`
	CommitsURL       string  `json:"commits_url"`
	GitCommitsURL    string  `json:"git_commits_url"`
	CommentsURL      string  `json:"comments_url"`
	IssueCommentURL  string  `json:"issue_comment_url"`
	ContentsURL      string  `json:"contents_url"`
	CompareURL       string  `json:"compare_url"`
	MergesURL        string  `json:"merges_url"`
	ArchiveURL       string  `json:"archive_url"`
	DownloadsURL     string  `json:"downloads_url"`
	IssuesURL        string  `json:"issues_url"`
	PullsURL         string  `json:"pulls_url"`
	MilestonesURL    string  `json:"milestones_url"`
	NotificationsURL string  `json:"notifications_url"`
	LabelsURL        string  `json:"labels_url"`
	ReleasesURL      string  `json:"releases_url"`
	DeploymentsURL   string  `json:"deployments_url"`
}

type apiError struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

// webURL is where html_url fields point: the sandbox serves no web pages, and
// github.com's shape is what clients expect there.
const webURL = "https://github.com"

// renderPackage builds p's JSON for base, the URL the request came to, so that
// API URLs in responses lead back to the same sandbox.
func renderPackage(base string, owner *user, p *Package) apiPackage {
	o := renderUser(base, owner)
	out := apiPackage{
		ID:           p.ID,
		Name:         p.Name,
		PackageType:  p.PackageType,
		Owner:        o,
		VersionCount: p.VersionCount,
		Visibility:   p.Visibility,
		URL:          base + owner.path() + "/packages/" + p.PackageType + "/" + url.PathEscape(p.Name),
		CreatedAt:    timestamp(p.CreatedAt),
		UpdatedAt:    timestamp(p.UpdatedAt),
		HTMLURL:      webURL + owner.path() + "/packages/" + p.PackageType + "/package/" + url.PathEscape(p.Name),
	}
	if r := p.Repository; r != nil {
		full := owner.login + "/" + r.Name
		api := base + "/repos/" + full
		out.Repository = &apiRepository{
			ID:               r.ID,
			NodeID:           nodeID("010:Repository", r.ID),
			Name:             r.Name,
			FullName:         full,
			Private:          r.Private,
			Owner:            o,
			HTMLURL:          webURL + "/" + full,
			Description:      r.Description,
			URL:              api,
			ForksURL:         api + "/forks",
			KeysURL:          api + "/keys{/key_id}",
			CollaboratorsURL: api + "/collaborators{/collaborator}",
			TeamsURL:         api + "/teams",
			HooksURL:         api + "/hooks",
			IssueEventsURL:   api + "/issues/events{/number}",
			EventsURL:        api + "/events",
			AssigneesURL:     api + "/assignees{/user}",
			BranchesURL:      api + "/branches{/branch}",
			TagsURL:          api + "/tags",
			BlobsURL:         api + "/git/blobs{/sha}",
			GitTagsURL:       api + "/git/tags{/sha}",
			GitRefsURL:       api + "/git/refs{/sha}",
			TreesURL:         api + "/git/trees{/sha}",
			StatusesURL:      api + "/statuses/{sha}",
			LanguagesURL:     api + "/languages",
			StargazersURL:    api + "/stargazers",
			ContributorsURL:  api + "/contributors",
			SubscribersURL:   api + "/subscribers",
			SubscriptionURL:  api + "/subscription",
			CommitsURL:       api + "/commits{/sha}",
			GitCommitsURL:    api + "/git/commits{/sha}",
			CommentsURL:      api + "/comments{/number}",
			IssueCommentURL:  api + "/issues/comments{/number}",
			ContentsURL:      api + "/contents/{+path}",
			CompareURL:       api + "/compare/{base}...{head}",
			MergesURL:        api + "/merges",
			ArchiveURL:       api + "/{archive_format}{/ref}",
			DownloadsURL:     api + "/downloads",
			IssuesURL:        api + "/issues{/number}",
			PullsURL:         api + "/pulls{/number}",
			MilestonesURL:    api + "/milestones{/number}",
			NotificationsURL: api + "/notifications{?since,all,participating}",
			LabelsURL:        api + "/labels{/name}",
			ReleasesURL:      api + "/releases{/id}",
			DeploymentsURL:   api + "/deployments",
		}
	}
	return out
}

func renderUser(base string, u *user) apiUser {
	api := base + "/users/" + u.login
	return apiUser{
		Login:             u.login,
		ID:                u.id,
		NodeID:            nodeID("04:User", u.id),
		AvatarURL:         "https://avatars.githubusercontent.com/u/" + strconv.FormatInt(u.id, 10) + "?v=4",
		GravatarID:        "",
		URL:               api,
		HTMLURL:           webURL + "/" + u.login,
		FollowersURL:      api + "/followers",
		FollowingURL:      api + "/following{/other_user}",
		GistsURL:          api + "/gists{/gist_id}",
		StarredURL:        api + "/starred{/owner}{/repo}",
		SubscriptionsURL:  api + "/subscriptions",
		OrganizationsURL:  api + "/orgs",
		ReposURL:          api + "/repos",
		EventsURL:         api + "/events{/privacy}",
		ReceivedEventsURL: api + "/received_events",
		Type:              u.kind(),
	}
}

// path is the owner's API path prefix: /orgs/LOGIN or /users/LOGIN.
func (u *user) path() string {
	if u.org {
		return "/orgs/" + u.login
	}
	return "/users/" + u.login
}

func (u *user) kind() string {
	if u.org {
		return "Organization"
	}
	return "User"
}

// nodeID is GitHub's legacy global ID: base64 of "<kind><database id>".
func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(kind + strconv.FormatInt(id, 10)))
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// baseURL is the scheme and host the request was sent to. Server-side
// requests carry the host in r.Host; requests through Transport are
// client-side and carry scheme and host in r.URL.
func baseURL(r *http.Request) string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host
}

// response is a handler's answer; ServeHTTP writes it and logs its status.
type response struct {
	status int
	body   []byte // nil → no body, as for 204
	link   string

	// What a fault made of the answer.
	header  http.Header // set over the sandbox's headers
	stall   bool
	reset   bool
	applied int // the status of the sandbox's own answer, which the fault replaced
}

func jsonResponse(status int, v any) response {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own structs are marshalled, and they cannot fail.
		panic(err)
	}
	return response{status: status, body: body}
}

func errorResponse(status int, message, docs string) response {
	return jsonResponse(status, apiError{Message: message, DocumentationURL: docs, Status: strconv.Itoa(status)})
}
