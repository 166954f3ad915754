package engine

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite/vtab"

	"github.com/pkgql/pkgql/provider"
	"github.com/pkgql/pkgql/schema"
)

// Each resource is a SQLite virtual table. Its columns are the resource's
// fields, then the params that are not fields as HIDDEN columns, so WHERE can
// bind them and SELECT can echo them. BestIndex turns the constraints SQLite
// offers into a scan plan (a method and its arguments); Filter makes (or
// joins) the call the plan says; the cursor streams the rows.

// scanPlan is one way BestIndex found to read a table: a method and the
// params it takes, in the order SQLite passes their values. It is made once,
// kept in its statement's scanPlans under the key BestIndex puts in IdxNum,
// and read back by that key: by Filter, which makes the call, and by Prepare
// and EXPLAIN, which learn from EXPLAIN QUERY PLAN the key SQLite chose.
type scanPlan struct {
	res *resource
	// method is nil when no method has its required params: Filter refuses
	// the plan, and missing, conflict and present say why.
	method *schema.Method
	// args are the params in the order SQLite passes their values, then
	// argLimit and argOffset when LIMIT is pushed down.
	args []string
	// cols are the columns the statement reads.
	cols []int
	// verify are the params that are fields too and whose constraint SQLite
	// left to the table: each row must carry the bound value.
	verify                     []string
	missing, conflict, present []string
}

func (p *scanPlan) limited() bool { return slices.Contains(p.args, argLimit) }

// label is the plan as EXPLAIN QUERY PLAN shows it after its key, for a
// person reading SQLite's plan.
func (p *scanPlan) label() string {
	if p.method == nil {
		return "no method"
	}
	return p.method.Name + "(" + strings.Join(p.args, ", ") + ")"
}

// equal compares what two plans say: BestIndex makes its plans anew each time
// SQLite compiles a statement.
func (p *scanPlan) equal(o *scanPlan) bool {
	return p.res == o.res && p.method == o.method && slices.Equal(p.args, o.args) && slices.Equal(p.cols, o.cols) &&
		slices.Equal(p.verify, o.verify) && slices.Equal(p.missing, o.missing) && slices.Equal(p.conflict, o.conflict) &&
		slices.Equal(p.present, o.present)
}

// scanPlans are the scan plans BestIndex made for one statement, each under
// its key. Preparing the statement fills them. Running it compiles it again,
// on whichever connection, and BestIndex finds each plan it makes already
// there and hands on that one's key, so the plan a call is made with is the
// value Prepare and EXPLAIN read.
type scanPlans struct {
	// methods, when set, are the methods the engine's planner chose for each
	// resource table of the statement: BestIndex chooses among them alone.
	methods map[*resource][]*schema.Method

	mu    sync.Mutex
	plans []*scanPlan // key-1 → plan
}

// key returns the key of a plan equal to sp, adding sp when there is none.
func (ps *scanPlans) key(sp *scanPlan) int64 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, p := range ps.plans {
		if p.equal(sp) {
			return int64(i + 1)
		}
	}
	ps.plans = append(ps.plans, sp)
	return int64(len(ps.plans))
}

// plan returns the plan under key, nil when there is none.
func (ps *scanPlans) plan(key int) *scanPlan {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if key < 1 || key > len(ps.plans) {
		return nil
	}
	return ps.plans[key-1]
}

// allowed says which methods BestIndex may choose for res; nil means any.
func (ps *scanPlans) allowed(res *resource) func(*schema.Method) bool {
	if ps == nil || ps.methods == nil {
		return nil
	}
	ms := ps.methods[res]
	return func(m *schema.Method) bool {
		return slices.ContainsFunc(ms, func(p *schema.Method) bool { return p.Name == m.Name })
	}
}

const (
	argLimit  = "$limit"
	argOffset = "$offset"
)

// module creates the tables of every engine connection.
type module struct {
	mu    sync.Mutex
	conns map[int64]*sqliteConn
}

func (m *module) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

// Connect's args are SQLite's (module, database, table) and the module
// arguments the connection wrote: its id and the resource's index.
func (m *module) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	if len(args) != 5 {
		return nil, fmt.Errorf("pkgql tables are created by the engine")
	}
	sid, err1 := strconv.ParseInt(strings.TrimSpace(args[3]), 10, 64)
	ri, err2 := strconv.Atoi(strings.TrimSpace(args[4]))
	m.mu.Lock()
	sc := m.conns[sid]
	m.mu.Unlock()
	if err1 != nil || err2 != nil || sc == nil || ri < 0 || ri >= len(sc.cat.resources) {
		return nil, fmt.Errorf("pkgql tables are created by the engine")
	}
	res := sc.cat.resources[ri]
	if err := ctx.Declare(declareSQL(res)); err != nil {
		return nil, err
	}
	return &table{conn: sc, res: res}, nil
}

// declareSQL is the table's schema as SQLite sees it. Declared types carry the
// schema's types to the result columns: JSON for objects, BOOLEAN for
// booleans.
func declareSQL(res *resource) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE x(")
	for i, c := range res.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		typ := sqliteType(c.typ)
		if c.format == schema.DateTime {
			typ = timeDecl
		}
		b.WriteString(quoteIdent(c.name) + " " + typ)
		if c.hidden {
			b.WriteString(" HIDDEN")
		}
	}
	b.WriteString(")")
	return b.String()
}

func sqliteType(t schema.Type) string {
	switch t {
	case schema.Integer:
		return "INTEGER"
	case schema.Number:
		return "REAL"
	case schema.Boolean:
		return "BOOLEAN"
	case schema.Object:
		return "JSON"
	}
	return "TEXT"
}

// timeDecl declares a time column: its name has TEXT, so SQLite gives it
// text affinity, and it tells a time column of the result from text.
const timeDecl = "TIMESTAMP_TEXT"

// schemaType reads a result column's declared type back.
func schemaType(decl string) schema.Type {
	switch strings.ToUpper(decl) {
	case "INTEGER":
		return schema.Integer
	case "REAL":
		return schema.Number
	case "BOOLEAN":
		return schema.Boolean
	case "JSON":
		return schema.Object
	case "TEXT", timeDecl:
		return schema.String
	}
	return ""
}

// table is one resource's table on one engine connection.
type table struct {
	conn *sqliteConn
	res  *resource
}

// BestIndex never fails: SQLite asks again with other constraints usable (IN
// lists, join orders), and an error would end the statement. A plan without
// the required params gets a cost no other plan reaches, and Filter refuses it.
func (t *table) BestIndex(info *vtab.IndexInfo) error {
	usable := map[string]int{}   // param → its first usable = constraint
	present := map[string]bool{} // params with an = constraint, usable or not
	for i, c := range info.Constraints {
		if c.Op != vtab.OpEQ || c.Column < 0 || c.Column >= len(t.res.cols) {
			continue
		}
		p := t.res.cols[c.Column].param
		if p != nil {
			present[p.Name] = true
		}
		if !c.Usable {
			continue
		}
		if p != nil {
			if _, dup := usable[p.Name]; !dup {
				usable[p.Name] = i
			}
		}
	}
	plans := t.conn.plans.Load()
	if plans == nil {
		return errors.New("engine: no statement is being planned")
	}
	m, missing, conflict := chooseMethod(t.res, schema.Select, func(p string) bool { _, ok := usable[p]; return ok },
		func(p string) bool { return present[p] }, plans.allowed(t.res))
	if m == nil {
		sp := &scanPlan{res: t.res, missing: missing, conflict: conflict, present: slices.Sorted(maps.Keys(present))}
		info.IdxNum, info.IdxStr = plans.key(sp), sp.label()
		info.EstimatedCost, info.EstimatedRows = 1e300, math.MaxInt32
		return nil
	}
	sp := &scanPlan{res: t.res, method: m}
	omitted := map[int]bool{}
	use := func(p string, omit bool) {
		i := usable[p]
		info.Constraints[i].ArgIndex = len(sp.args)
		info.Constraints[i].Omit = omit
		omitted[i] = omit
		sp.args = append(sp.args, p)
	}
	for _, p := range m.Required {
		_, col := t.res.column(p)
		// The method answers for its required params exactly: SQLite need not
		// check them again, and the cursor checks the ones rows carry.
		use(p, true)
		if !col.hidden {
			sp.verify = append(sp.verify, p)
		}
	}
	for _, p := range m.Optional {
		if _, ok := usable[p]; ok {
			// An optional param only narrows what the API sends: a field is
			// checked again by SQLite, so the API's reading of it cannot widen
			// the answer.
			_, col := t.res.column(p)
			use(p, col.hidden)
		}
	}
	t.pushLimit(info, omitted, sp)
	for i := range t.res.cols {
		bit := uint64(1) << min(i, 63)
		if info.ColUsed&bit != 0 {
			sp.cols = append(sp.cols, i)
		}
	}
	info.IdxNum, info.IdxStr = plans.key(sp), sp.label()
	if m.Unique {
		info.EstimatedCost, info.EstimatedRows, info.IdxFlags = 1, 1, vtab.IndexScanUnique
	} else {
		info.EstimatedCost, info.EstimatedRows = 1e6/float64(1+len(sp.args)), 1000
	}
	return nil
}

// pushLimit passes LIMIT (and OFFSET) down when nothing between the call and
// the LIMIT could drop a row: no ORDER BY, and every other constraint handled
// by the call. SQLite offers LIMIT only for a single table without GROUP BY,
// aggregates or DISTINCT, and still applies LIMIT and OFFSET itself.
func (t *table) pushLimit(info *vtab.IndexInfo, omitted map[int]bool, sp *scanPlan) {
	if len(info.OrderBy) > 0 {
		return
	}
	limit, offset := -1, -1
	for i, c := range info.Constraints {
		switch {
		case c.Op == vtab.OpLIMIT && c.Usable:
			limit = i
		case c.Op == vtab.OpOFFSET && c.Usable:
			offset = i
		case !omitted[i]:
			return
		}
	}
	if limit < 0 {
		return
	}
	info.Constraints[limit].ArgIndex = len(sp.args)
	sp.args = append(sp.args, argLimit)
	if offset >= 0 {
		info.Constraints[offset].ArgIndex = len(sp.args)
		sp.args = append(sp.args, argOffset)
	}
}

func (t *table) Open() (vtab.Cursor, error) { return &cursor{t: t}, nil }
func (t *table) Disconnect() error          { return nil }
func (t *table) Destroy() error             { return nil }

// cursor reads the rows of one call.
type cursor struct {
	t      *table
	run    *runState
	params map[string]string
	pos    []int // column → index in a row; -1 when not asked for
	verify []verifyCol
	rows   *callReader
	row    []any
	eof    bool
	rowid  int64
}

type verifyCol struct {
	param string
	pos   int
}

// Filter starts reading one call: the method BestIndex chose, with the values
// SQLite passes (one Filter per value of an IN list, per row of a join).
func (c *cursor) Filter(idxNum int, idxStr string, vals []vtab.Value) error {
	c.close()
	c.eof, c.row, c.rowid = true, nil, 0
	run := c.t.conn.current()
	if run == nil {
		return errors.New("engine: no statement is running")
	}
	c.run = run
	var sp *scanPlan
	if plans := c.t.conn.plans.Load(); plans != nil {
		sp = plans.plan(idxNum)
	}
	if sp == nil || sp.res != c.t.res || len(vals) < len(sp.args) {
		return run.fail(fmt.Errorf("engine: no scan plan %d (%s) for %s", idxNum, idxStr, c.t.res.name))
	}
	if sp.method == nil {
		msg, hint := noMethodMessage(c.t.res, schema.Select, sp.missing, sp.conflict, sp.present)
		return run.fail(&Error{Message: msg, Hint: hint})
	}
	m := sp.method
	c.params = map[string]string{}
	var limit, offset int64
	for i, name := range sp.args {
		switch name {
		case argLimit:
			limit = toInt(vals[i])
		case argOffset:
			offset = toInt(vals[i])
		default:
			_, col := c.t.res.column(name)
			s, ok := paramText(col.param, vals[i])
			if !ok {
				// NULL, or a value the param cannot take: no row can match.
				return nil
			}
			c.params[name] = s
		}
	}
	if limit > 0 {
		limit += max(offset, 0)
	} else {
		limit = 0
	}
	req := provider.Request{
		Service: c.t.res.service, Resource: c.t.res.schema.Name, Method: m.Name,
		Params: c.params, Limit: limit, Columns: c.columns(sp, m, run.shared),
	}
	c.pos = make([]int, len(c.t.res.cols))
	for i, col := range c.t.res.cols {
		c.pos[i] = slices.Index(req.Columns, col.name)
	}
	c.verify = c.verify[:0]
	for _, p := range sp.verify {
		if i := slices.Index(req.Columns, p); i >= 0 {
			c.verify = append(c.verify, verifyCol{param: p, pos: i})
		}
	}
	c.rows = run.open(c.t.res, req)
	c.eof = false
	return c.Next()
}

// columns are what the call is asked for: the fields the statement reads and
// the hidden params it reads that the call alone knows (unbound ones the
// method takes). A call several readers share asks for every field.
func (c *cursor) columns(sp *scanPlan, m *schema.Method, shared bool) []string {
	var out []string
	want := func(i int) bool { return shared || slices.Contains(sp.cols, i) }
	for i, col := range c.t.res.cols {
		if !want(i) {
			continue
		}
		if col.hidden {
			if _, bound := c.params[col.name]; bound {
				continue
			}
			if !m.Takes(col.name) {
				if col.carrier >= 0 && !slices.Contains(out, c.t.res.cols[col.carrier].name) {
					out = append(out, c.t.res.cols[col.carrier].name)
				}
				continue
			}
		}
		out = append(out, col.name)
	}
	if len(out) == 0 {
		// No column read (COUNT(*)): ask for one, as none would mean all.
		out = []string{c.t.res.cols[0].name}
	}
	return out
}

func (c *cursor) Next() error {
	if c.eof || c.rows == nil {
		c.eof = true
		return nil
	}
	row, err := c.rows.next()
	if err != nil {
		c.eof = true
		return c.run.fail(err)
	}
	if row == nil {
		c.eof = true
		return nil
	}
	for _, v := range c.verify {
		if got := fmt.Sprint(row[v.pos]); got != c.params[v.param] {
			c.eof = true
			return c.run.fail(&provider.Error{Kind: provider.KindInternal, Resource: c.t.res.service + "." + c.t.res.schema.Name,
				Message: fmt.Sprintf("the provider answered a row with %s %q for %s = %q", v.param, got, v.param, c.params[v.param])})
		}
	}
	c.row = row
	c.rowid++
	return nil
}

func (c *cursor) Eof() bool { return c.eof }

func (c *cursor) Column(i int) (vtab.Value, error) {
	if i < 0 || i >= len(c.t.res.cols) || c.row == nil {
		return nil, nil
	}
	col := &c.t.res.cols[i]
	if p := c.pos[i]; p >= 0 {
		if col.format == schema.DateTime {
			return toSQLite(normalizeTime(c.row[p])), nil
		}
		return toSQLite(c.row[p]), nil
	}
	if v, ok := c.params[col.name]; ok {
		return paramValue(col.param, v), nil
	}
	if col.carrier >= 0 {
		if p := c.pos[col.carrier]; p >= 0 {
			return toSQLite(c.row[p]), nil
		}
	}
	return nil, nil
}

func (c *cursor) Rowid() (int64, error) { return c.rowid, nil }

func (c *cursor) Close() error {
	c.close()
	return nil
}

func (c *cursor) close() {
	if c.rows != nil {
		c.rows.close()
		c.rows = nil
	}
}

// toSQLite turns a provider value into one SQLite stores: objects as JSON
// text (so JSON_EXTRACT reads them), booleans as 1 and 0.
func toSQLite(v any) vtab.Value {
	switch x := v.(type) {
	case provider.JSON:
		if x == nil || string(x) == "null" {
			return nil
		}
		return string(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(x)
	}
	return v
}

// paramText is the text of a value SQLite passes for a param; ok is false
// when the param cannot take it, so that no row can match.
func paramText(p *schema.Param, v vtab.Value) (string, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		s = x
	case []byte:
		s = string(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			s = strconv.FormatInt(int64(x), 10)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	case bool:
		s = strconv.FormatBool(x)
	default:
		s = fmt.Sprint(x)
	}
	if msg, _ := checkValue(p, s); msg != "" {
		return "", false
	}
	return s, true
}

// paramValue is a bound param's text as the type the param declares, so a
// hidden INTEGER column echoes 3, not "3". The text passed checkValue, so it
// parses; a failure would leave the text rather than invent a value.
func paramValue(p *schema.Param, s string) vtab.Value {
	switch p.Type {
	case schema.Integer:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case schema.Number:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case schema.Boolean:
		if b, err := strconv.ParseBool(s); err == nil {
			return toSQLite(b)
		}
	}
	return s
}

func toInt(v vtab.Value) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
