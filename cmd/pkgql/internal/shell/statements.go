package shell

import (
	"strings"

	"github.com/pkgql/pkgql/schema"
)

// split cuts what was typed after its last complete statement: done ends with
// a ";" that is outside strings and comments and is ready to run; rest is the
// start of a statement still being typed. Comments and blanks after the last
// ";" stay with done, so rest is "" when nothing more is needed.
func split(text string) (done, rest string) {
	s := scan(text)
	if s.broken {
		// The engine will say what is wrong; a ";" at the end of the line
		// is the user's sign that the statement is over.
		if strings.HasSuffix(strings.TrimSpace(text), ";") {
			return text, ""
		}
		return "", text
	}
	last := -1
	for i, t := range s.toks {
		if t.is(';') {
			last = i
		}
	}
	if last < 0 {
		return "", text
	}
	if s.open == 0 && len(code(s.toks[last+1:])) == 0 {
		return text, ""
	}
	end := s.toks[last].end
	return text[:end], text[end:]
}

// empty reports whether a script holds no statement: only ";", blanks and
// comments.
func empty(script string) bool {
	for _, t := range code(scan(script).toks) {
		if !t.is(';') {
			return false
		}
	}
	return true
}

// historyEntries is what history keeps of a statement typed over one or
// more lines: nothing when it carries a credential; else one line when its
// lines can be joined with spaces without changing a single token (no "--"
// comment, no string spanning lines), so that Up recalls it whole; else
// its lines as typed.
func historyEntries(typed string, secrets secretParams) []string {
	typed = strings.TrimSpace(typed)
	if typed == "" || secrets.carried(typed) {
		return nil
	}
	lines := strings.Split(typed, "\n")
	if len(lines) == 1 {
		return lines
	}
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	joined := strings.Join(parts, " ")
	if sameTokens(typed, joined) {
		return []string{joined}
	}
	return parts
}

func sameTokens(a, b string) bool {
	sa, sb := scan(a), scan(b)
	if sa.broken || sb.broken || sa.open != sb.open || len(sa.toks) != len(sb.toks) {
		return false
	}
	for i := range sa.toks {
		if sa.toks[i].typ != sb.toks[i].typ || sa.toks[i].val != sb.toks[i].val {
			return false
		}
	}
	return true
}

// secretParams are the names of the params the providers declare secret
// (schema.Param.Secret), lower-case: the engine hides the same params in
// what it prints.
type secretParams map[string]bool

func secretsOf(catalog []*schema.Provider) secretParams {
	out := secretParams{}
	for _, p := range catalog {
		for _, svc := range p.Services {
			for _, r := range svc.Resources {
				for _, prm := range r.Params {
					if prm.Secret {
						out[strings.ToLower(prm.Name)] = true
					}
				}
			}
		}
	}
	return out
}

// carried reports whether text binds a secret param: "@token = …" in an
// EXEC, or its name compared with "=" anywhere. Text the Tokenizer cannot
// read is looked at word by word, to be safe.
func (sp secretParams) carried(text string) bool {
	s := scan(text)
	if s.broken || s.open != 0 {
		lower := strings.ToLower(text)
		for name := range sp {
			if strings.Contains(lower, name) {
				return true
			}
		}
	}
	toks := code(s.toks)
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].word() && sp[strings.ToLower(strings.TrimPrefix(toks[i].val, "@"))] && toks[i+1].is('=') {
			return true
		}
	}
	return false
}
