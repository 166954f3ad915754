package engine

import (
	"strings"

	"github.com/xwb1989/sqlparser"
)

// pgIntervalUnit is the unit reading gives Postgres' interval '30 days', which
// carries its units in the string: MySQL's grammar wants a unit after it.
const pgIntervalUnit = "pkgql_interval_text"

// intervalOf reads an INTERVAL as SQLite date modifiers.
func intervalOf(iv *sqlparser.IntervalExpr, negate bool) ([]string, error) {
	amount, _, ok := literalValue(iv.Expr)
	if !ok {
		return nil, errIntervalLiteral
	}
	unit := iv.Unit
	if strings.EqualFold(unit, pgIntervalUnit) {
		unit = ""
	}
	return intervalModifiers(amount, unit, negate)
}

var errIntervalLiteral = &Error{Message: "an INTERVAL's amount is a number or a string: INTERVAL 30 DAY, INTERVAL '30 days'"}

// intervalUnits are the units MySQL's INTERVAL n unit takes.
var intervalUnits = map[string]bool{
	"second": true, "minute": true, "hour": true, "day": true, "week": true, "month": true, "quarter": true, "year": true,
	"seconds": true, "minutes": true, "hours": true, "days": true, "weeks": true, "months": true, "quarters": true, "years": true,
}
