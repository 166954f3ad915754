package shell

import "github.com/xwb1989/sqlparser"

// Complete reports whether text ends a statement: its last token, comments
// aside, is ";". A ";" inside a string or a comment does not count, and an
// unterminated string or comment means more lines are to come. The engine
// reads statements with the same tokenizer, so both agree on where one ends.
func Complete(text string) bool {
	tkn := sqlparser.NewStringTokenizer(text)
	last := 0
	for {
		typ, _ := tkn.Scan()
		switch typ {
		case 0:
			return last == ';'
		case sqlparser.LEX_ERROR:
			if tkn.Position >= len(text) {
				return false
			}
			last = typ
		case sqlparser.COMMENT:
		default:
			last = typ
		}
	}
}
