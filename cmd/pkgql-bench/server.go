package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/pkgql/pkgql/provider/github/sandbox"
)

// benchUser is the login whose packages the benchmark reads.
const benchUser = "bench"

// benchOrg is the organization the join reads: joinPackages packages of every
// type, about a quarter of them npm, each with its versions. benchUser is its
// member, so it sees them all.
const (
	benchOrg     = "bench-org"
	joinPackages = 960
	joinType     = "npm"
)

// listType is the package type the listings read: the dataset holds exactly n
// packages of it. The GROUP BY reads it and groupOther.
const (
	listType   = "container"
	groupOther = "npm"
)

// dataset is a generated sandbox user with exactly n packages of listType.
type dataset struct {
	n        int            // packages of listType
	packages int            // packages of every type: the user's UserSeed.Packages
	counts   map[string]int // packages per type
	lastName string         // the last package of listType, the get-by-name target
	// joinPages is the fewest requests of the join: benchOrg's joinType
	// listing, then each package's versions at 100 a page.
	joinPages int
	joinCount int // benchOrg's joinType packages
}

// options are the sandbox options that serve d. The listing window is off so
// that more than 10,000 packages of one type can be listed, and the rate
// limit is out of reach of any run.
func (d dataset) options(latency time.Duration) sandbox.Options {
	return sandbox.Options{
		Users:      []sandbox.UserSeed{{Login: benchUser, Packages: d.packages}},
		Orgs:       []sandbox.OrgSeed{{Login: benchOrg, Packages: joinPackages, Members: []string{benchUser}}},
		Viewer:     benchUser,
		Latency:    latency,
		ListWindow: -1,
		RateLimit:  math.MaxInt32,
	}
}

// newDataset finds the user with exactly n packages of listType. The sandbox
// spreads a user's packages over every type, deterministically, and numbers
// them from 1 in order; the type of each does not depend on how many the user
// has. So it generates a user larger than needed, reads its listType listing
// up to the n-th package, and takes that package's ID as the number of
// packages: a user with that many holds exactly n of listType, the last of
// them that package. The counts are then read from that very user, so a
// sandbox that broke the assumption fails here and not in the measurements.
func newDataset(ctx context.Context, n int) (dataset, error) {
	if n < 1 {
		return dataset{}, fmt.Errorf("size %d: want at least 1 package", n)
	}
	for probe := 4*n + 16; ; probe *= 2 { // about 30% of the packages are containers
		gh := dataset{packages: probe}.client()
		seen := 0
		var last *github.Package
		err := list(ctx, gh, benchUser, listType, func(p *github.Package) (bool, error) {
			seen++
			last = p
			return seen < n, nil
		})
		if err != nil {
			return dataset{}, err
		}
		if seen < n {
			continue
		}
		d := dataset{n: n, packages: int(last.GetID()), lastName: last.GetName(), counts: map[string]int{}}
		gh = d.client()
		for _, typ := range []string{listType, groupOther} {
			err := list(ctx, gh, benchUser, typ, func(p *github.Package) (bool, error) {
				d.counts[typ]++
				return true, nil
			})
			if err != nil {
				return dataset{}, err
			}
		}
		pkgs := 0
		err = listOrg(ctx, gh, joinType, func(p *github.Package) error {
			pkgs++
			d.joinPages += pages(int(p.GetVersionCount()))
			return nil
		})
		if err != nil {
			return dataset{}, err
		}
		d.joinPages += pages(pkgs)
		d.joinCount = pkgs
		if d.counts[listType] != n {
			return dataset{}, fmt.Errorf("a sandbox user with %d packages has %d of type %s, not %d: the sandbox no longer generates types independently of the number of packages",
				d.packages, d.counts[listType], listType, n)
		}
		return d, nil
	}
}

// client is a go-github client of a sandbox with d's data, in-process and
// without latency: what the answers are computed with.
func (d dataset) client() *github.Client {
	gh, err := newClient("http://sandbox.invalid/", sandbox.New(d.options(0)).Transport())
	if err != nil {
		panic(err) // a constant URL
	}
	return gh
}

// server is the sandbox served over HTTP on loopback, as pkgql and the pager
// see GitHub.
type server struct {
	*sandbox.Server
	URL      string
	http     *http.Server
	inFlight atomic.Int64
}

// startServer serves a sandbox built from opts on 127.0.0.1 at a free port.
func startServer(opts sandbox.Options) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{Server: sandbox.New(opts), URL: "http://" + ln.Addr().String() + "/"}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(ln)
	return s, nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	s.Server.ServeHTTP(w, r)
}

// settle waits until no request is being served. A client that exits with
// requests in flight (a LIMIT met while pages were on their way) leaves them
// to end on the server a moment later, and Stats counts a request only when
// it ends.
func (s *server) settle() error {
	deadline := time.Now().Add(10 * time.Second)
	for s.inFlight.Load() > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d requests still in flight 10s after the client exited", s.inFlight.Load())
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// Close stops the server and ends its connections.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.http.Shutdown(ctx)
}
