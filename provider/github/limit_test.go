package github

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// A request slot is given back however its answer ends: an error answer
// (whose body go-github reads and replaces), a 5xx that is retried, a 5xx
// after a change that the GET then confirms. With one slot, a slot kept by
// any of them would hang every later call.
func TestSlotFreedAfterErrorAnswers(t *testing.T) {
	t.Parallel()
	f := newFakeGitHub(t)
	f.addPackages("octocat", "npm", 3, nil)
	f.addPackages("octocat", "npm", 1, func(int) string { return "hello" })
	var (
		status atomic.Int64 // the status the next answers have; 0 for the fake's own
		count  atomic.Int64 // how many answers have it
	)
	f.fault = func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if count.Add(-1) < 0 {
			return false
		}
		if r.Method == http.MethodDelete {
			f.mu.Lock()
			f.packages["octocat/npm"] = f.packages["octocat/npm"][:3]
			f.mu.Unlock()
		}
		writeError(w, int(status.Load()), http.StatusText(int(status.Load())), "")
		return true
	}
	p, _ := testProvider(t, f.srv.URL, 1, nil)
	get := func() result { return run(p, pkgReq("get_package_for_user", "octocat", "npm", "hello")) }
	steps := []struct {
		name    string
		status  int
		count   int64
		call    func() result
		wantErr bool
	}{
		{"404", 0, 0, func() result { return run(p, pkgReq("get_package_for_user", "octocat", "npm", "missing")) }, true},
		{"403", http.StatusForbidden, 1, get, true},
		{"401 on a listing", http.StatusUnauthorized, 1, func() result { return run(p, listReq("octocat", "npm")) }, true},
		{"502 kept answering", http.StatusBadGateway, 4, get, true},
		{"502 then 200", http.StatusBadGateway, 1, get, false},
		{"DELETE done then 502", http.StatusBadGateway, 1, func() result { return run(p, pkgReq("delete_package_for_user", "octocat", "npm", "hello")) }, false},
		{"404 after the DELETE", 0, 0, get, true},
		{"listing", 0, 0, func() result { return run(p, listReq("octocat", "npm")) }, false},
	}
	for _, st := range steps {
		status.Store(int64(st.status))
		count.Store(st.count)
		done := make(chan result, 1)
		go func() { done <- st.call() }()
		select {
		case out := <-done:
			if (out.err != nil) != st.wantErr {
				t.Fatalf("%s: error %v, want an error: %t", st.name, out.err, st.wantErr)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the call hangs: a request slot was not given back", st.name)
		}
	}
	if n := p.conn.limit.inUse(); n != 0 {
		t.Errorf("%d slots still held after every call ended", n)
	}
}
