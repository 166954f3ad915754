package engine

import (
	"maps"
	"slices"

	"github.com/pkgql/pkgql/provider"
)

// A join that binds a table's params from another table's columns
// (v.package_name = p.name) makes one call per row of the other table, and
// SQLite asks for them one after another. So that they overlap, the first
// such call starts the others ahead, from the rows of the other table's calls
// as they arrive, up to Config.Concurrency at a time; SQLite's own requests
// then find them started. Only the params vary: method, columns and limit
// are the first call's, so each call ahead is the one SQLite will ask for.

// joinFanout is a table whose params are bound by the columns of one other
// resource table.
type joinFanout struct {
	outer *resource
	from  map[string]string // param → the outer table's column that binds it
}

// joinFanouts finds the tables of a statement that a join binds from one
// other table whose calls have literal params.
func joinFanouts(refs []*refPlan) map[string]*joinFanout {
	out := map[string]*joinFanout{}
	for _, rp := range refs {
		if rp.combos != nil {
			continue
		}
		var outer *tableRef
		from := map[string]string{}
		ok := true
		for _, p := range slices.Concat(rp.method.Required, rp.method.Optional) {
			b := rp.bound[p]
			switch {
			case b == nil:
			case b.literal():
				ok = ok && len(b.values) == 1
			case b.from == nil || outer != nil && b.from != outer:
				ok = false
			default:
				outer, from[p] = b.from, b.fromCol
			}
		}
		if !ok || outer == nil || outer == rp.ref {
			continue
		}
		for _, o := range refs {
			if o.ref == outer && o.combos != nil {
				out[fanoutKey(rp.ref.res, rp.method.Name)] = &joinFanout{outer: outer.res, from: from}
			}
		}
	}
	return out
}

// startJoinFanout starts, ahead of SQLite, the calls that the rows of the
// outer table's calls will ask for, once req, the first of them, is made.
func (run *runState) startJoinFanout(res *resource, req provider.Request) {
	fk := fanoutKey(res, req.Method)
	run.mu.Lock()
	jf := run.joins[fk]
	if jf == nil || run.started["join "+fk] {
		run.mu.Unlock()
		return
	}
	run.started["join "+fk] = true
	var outers []*providerCall
	for _, c := range run.calls {
		if c.res == jf.outer {
			outers = append(outers, c)
		}
	}
	run.mu.Unlock()
	for _, oc := range outers {
		pos := map[string]int{}
		for p, col := range jf.from {
			i := slices.Index(oc.req.Columns, col)
			if i < 0 {
				return
			}
			pos[p] = i
		}
		run.wg.Add(1)
		go func() {
			defer run.wg.Done()
			rd := &callReader{c: oc}
			for {
				row, err := rd.next()
				if row == nil || err != nil {
					return
				}
				r := req
				r.Params = maps.Clone(req.Params)
				usable := true
				for p, i := range pos {
					_, col := res.column(p)
					s, ok := paramText(col.param, row[i])
					usable = usable && ok
					r.Params[p] = s
				}
				if !usable {
					continue
				}
				key := callKey(r)
				run.mu.Lock()
				if run.calls[key] != nil {
					run.mu.Unlock()
					continue
				}
				c := run.newCall(res, r, key)
				run.mu.Unlock()
				select {
				case run.sem <- struct{}{}:
				case <-run.ctx.Done():
					return
				}
				if c.claim() {
					run.start(c, true)
				} else {
					<-run.sem
				}
			}
		}()
	}
}
