package sandbox

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// UserSeed describes one user of the sandbox and how many packages to
// generate for them. The same seed always yields the same packages.
type UserSeed struct {
	Login    string
	ID       int64 // 0 → derived from Login, so a seed can name only a login
	Packages int
	// Type, if set, makes every generated package one of this type, and
	// leaves out the showcase packages, whose types vary.
	Type string
	// Extra are packages added after the generated ones, for tests that
	// need a package by name. Each needs Name and PackageType; its ID, its
	// repository's ID and zero timestamps are assigned, and an empty
	// Visibility is public.
	Extra []Package
}

// Package is the sandbox's record of one package, including what GitHub keeps
// but does not show in the API (Downloads, deletion state).
type Package struct {
	ID           int64
	Name         string
	PackageType  string
	Visibility   string
	VersionCount int
	Downloads    int
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Repository   *Repository // nil → "repository": null
	Deleted      bool
	DeletedAt    time.Time

	versions *[]*Version // generated on first use: Server.versionsOf
	image    *ImageRepo  // the registry's manifests of a container package
	owner    string      // the login of the user or organization the package is in
}

// Repository is the repository a package is linked to; its owner is the
// package's owner.
type Repository struct {
	ID          int64
	Name        string
	Private     bool
	Description string
}

// DefaultSeed is the demo data set: 300 packages over three users, every type,
// every visibility and every edge the API has (see showcase). It is fixed so
// that example outputs stay stable.
func DefaultSeed() []UserSeed {
	return []UserSeed{
		{Login: "octocat", ID: 583231, Packages: 150},
		{Login: "monalisa", ID: 2, Packages: 90},
		{Login: "hubot", ID: 480938, Packages: 60},
	}
}

// packageTypes is in the order GitHub documents them.
var packageTypes = []string{"npm", "maven", "rubygems", "docker", "nuget", "container"}

// granular lists the registries with granular permissions: only their
// packages can be internal, and for the others GitHub treats the visibility
// filter "internal" as "private".
var granular = map[string]bool{"npm": true, "rubygems": true, "nuget": true, "container": true}

// The span of generated timestamps; fixed so output never depends on today.
var (
	seedStart = time.Date(2019, 6, 1, 9, 0, 0, 0, time.UTC)
	seedEnd   = time.Date(2025, 11, 30, 18, 0, 0, 0, time.UTC)
)

// showcase are the first packages of every user, so that the demo, the docs
// and the tests can rely on each case existing under a known name: a small
// deletable package, public ones above and exactly at the 5,000-download
// limit, no versions, no repository, internal visibility and container names
// with '/'.
var showcase = []func(login string) *Package{
	func(string) *Package {
		return &Package{Name: "hello", PackageType: "npm", Visibility: "public", VersionCount: 3, Downloads: 42,
			Repository: &Repository{Name: "hello", Description: "Says hello, in JavaScript"}}
	},
	func(login string) *Package {
		return &Package{Name: login + "/hello-world", PackageType: "container", Visibility: "public", VersionCount: 12, Downloads: 12345,
			Repository: &Repository{Name: "hello-world", Description: "The hello-world image"}}
	},
	func(string) *Package {
		return &Package{Name: "left-pad-legacy", PackageType: "npm", Visibility: "private", VersionCount: 0}
	},
	func(login string) *Package {
		return &Package{Name: "com." + login + ".app", PackageType: "maven", Visibility: "private", VersionCount: 7, Downloads: 310,
			Repository: &Repository{Name: "app", Private: true, Description: "The app, for the JVM"}}
	},
	func(string) *Package {
		return &Package{Name: "gem-toolkit", PackageType: "rubygems", Visibility: "public", VersionCount: 5, Downloads: 5000,
			Repository: &Repository{Name: "gem-toolkit", Description: "Tools for gems"}}
	},
	func(string) *Package {
		return &Package{Name: "hello-docker", PackageType: "docker", Visibility: "public", VersionCount: 2, Downloads: 9001,
			Repository: &Repository{Name: "hello-docker", Description: "Hello from docker.pkg.github.com"}}
	},
	func(string) *Package {
		return &Package{Name: "Octo.Core", PackageType: "nuget", Visibility: "internal", VersionCount: 4, Downloads: 77}
	},
	func(string) *Package {
		return &Package{Name: "tools/builder", PackageType: "container", Visibility: "internal", VersionCount: 21, Downloads: 640}
	},
}

var (
	adjectives = []string{"swift", "quiet", "bright", "rapid", "tiny", "brave", "lazy", "clever", "fuzzy", "solid",
		"amber", "cobalt", "crimson", "silver", "golden", "hidden", "lucky", "mellow", "noble", "proud"}
	nouns = []string{"parser", "client", "server", "logger", "cache", "router", "worker", "bridge", "engine", "widget",
		"config", "schema", "runner", "agent", "proxy", "store", "queue", "crawler", "linter", "builder"}
)

// generate returns u's packages with IDs from firstID on, in ID order, which
// is also created_at order.
func generate(u UserSeed, firstID int64) []*Package {
	rng := prng{state: hashString(u.Login) ^ uint64(u.ID)}
	pkgs := make([]*Package, 0, u.Packages+len(u.Extra))
	taken := make(map[string]bool, u.Packages)
	step := seedEnd.Sub(seedStart) / time.Duration(max(u.Packages, 1))
	for i := range u.Packages {
		var p *Package
		if i < len(showcase) && u.Type == "" {
			p = showcase[i](u.Login)
		} else {
			p = randomPackage(&rng, u.Login, u.Type)
		}
		key := p.PackageType + "/" + p.Name
		if taken[key] {
			p.Name += "-" + strconv.Itoa(i)
			key = p.PackageType + "/" + p.Name
		}
		taken[key] = true

		p.ID = firstID + int64(i)
		created := seedStart.Add(step*time.Duration(i) + time.Duration(rng.intn(int(max(step/time.Second, 1))))*time.Second)
		p.CreatedAt = created
		p.UpdatedAt = created.Add(time.Duration(rng.intn(int(seedEnd.Sub(created)/time.Second)+1)) * time.Second)
		if p.Repository != nil {
			// Repositories get their own ID space, as on GitHub.
			p.Repository.ID = 100_000_000 + p.ID
		}
		pkgs = append(pkgs, p)
	}
	created := seedEnd
	if len(pkgs) > 0 {
		created = pkgs[len(pkgs)-1].CreatedAt
	}
	for i, e := range u.Extra {
		p := e
		key := p.PackageType + "/" + p.Name
		if taken[key] {
			panic(fmt.Sprintf("sandbox: %s package %q of %s is seeded twice", p.PackageType, p.Name, u.Login))
		}
		taken[key] = true
		p.ID = firstID + int64(u.Packages+i)
		if p.Visibility == "" {
			p.Visibility = "public"
		}
		if p.CreatedAt.IsZero() {
			created = created.Add(time.Hour)
			p.CreatedAt = created
		}
		if p.UpdatedAt.IsZero() {
			p.UpdatedAt = p.CreatedAt
		}
		if p.Repository != nil {
			repo := *p.Repository
			repo.ID = 100_000_000 + p.ID
			p.Repository = &repo
		}
		p.versions, p.image, p.owner = nil, nil, ""
		pkgs = append(pkgs, &p)
	}
	return pkgs
}

// randomPackage makes a package of type typ, or of a random type if typ is "".
func randomPackage(rng *prng, login, typ string) *Package {
	if typ == "" {
		typ = pick(rng, []weighted{{"container", 30}, {"npm", 25}, {"maven", 15}, {"docker", 10}, {"rubygems", 10}, {"nuget", 10}})
	}
	adj, noun := adjectives[rng.intn(len(adjectives))], nouns[rng.intn(len(nouns))]
	p := &Package{PackageType: typ}
	switch typ {
	case "npm", "docker":
		p.Name = adj + "-" + noun
	case "maven":
		p.Name = "com." + login + "." + adj + "-" + noun
	case "rubygems":
		p.Name = adj + "_" + noun
	case "nuget":
		p.Name = strings.ToUpper(adj[:1]) + adj[1:] + "." + strings.ToUpper(noun[:1]) + noun[1:]
	case "container":
		p.Name = adj + "-" + noun
		if rng.intn(2) == 0 {
			p.Name = noun + "s/" + p.Name
		}
	}

	p.Visibility = pick(rng, []weighted{{"public", 60}, {"private", 30}, {"internal", 10}})
	if p.Visibility == "internal" && !granular[typ] {
		p.Visibility = "private"
	}

	switch n := rng.intn(100); {
	case n < 4:
		p.VersionCount = 0
	case n < 85:
		p.VersionCount = 1 + rng.intn(12)
	default:
		p.VersionCount = 13 + rng.intn(300)
	}
	switch n := rng.intn(100); {
	case n < 70:
		p.Downloads = rng.intn(1000)
	case n < 95:
		p.Downloads = 1000 + rng.intn(4001)
	default:
		p.Downloads = 5001 + rng.intn(200_000)
	}

	// Maven and docker packages are repository-scoped, so they always have a
	// repository whose privacy is theirs; the others are linked only sometimes.
	if !granular[typ] || rng.intn(4) != 0 {
		repo := p.Name[strings.LastIndexAny(p.Name, "/.")+1:]
		p.Repository = &Repository{
			Name:        strings.ToLower(repo),
			Private:     p.Visibility != "public",
			Description: fmt.Sprintf("A %s %s", adj, noun),
		}
	}
	return p
}

type weighted struct {
	value  string
	weight int
}

func pick(rng *prng, choices []weighted) string {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := rng.intn(total)
	last := len(choices) - 1
	for _, c := range choices[:last] {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return choices[last].value
}

// prng is splitmix64: tiny, and unlike math/rand its sequence is ours to keep
// stable, which the fixed demo data and FailRate depend on.
type prng struct{ state uint64 }

func (p *prng) next() uint64 {
	p.state += 0x9e3779b97f4a7c15
	z := p.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (p *prng) intn(n int) int { return int(p.next() % uint64(n)) }

func (p *prng) float64() float64 { return float64(p.next()>>11) / (1 << 53) }

func hashString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
