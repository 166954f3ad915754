package shell

import (
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text, done, rest string
	}{
		{"SHOW PROVIDERS;", "SHOW PROVIDERS;", ""},
		{"SHOW PROVIDERS", "", "SHOW PROVIDERS"},
		{"SELECT 1;\n", "SELECT 1;\n", ""},
		{"SELECT 1; -- a comment\n", "SELECT 1; -- a comment\n", ""},
		{"SELECT 1; /* a comment */", "SELECT 1; /* a comment */", ""},
		{"SELECT ';'", "", "SELECT ';'"},
		{"SELECT 'it''s;", "", "SELECT 'it''s;"},
		{"SELECT 'unterminated;\n", "", "SELECT 'unterminated;\n"},
		{"SELECT \"x;\" FROM t\n;", "SELECT \"x;\" FROM t\n;", ""},
		{"SELECT `a;b` FROM t;", "SELECT `a;b` FROM t;", ""},
		{"SELECT 1 /* ; */", "", "SELECT 1 /* ; */"},
		{"SELECT 1 /* unterminated ;", "", "SELECT 1 /* unterminated ;"},
		{"SELECT 1 -- ;\n", "", "SELECT 1 -- ;\n"},
		{"SELECT 1 # ;\n", "", "SELECT 1 # ;\n"},
		{"-- only a comment;", "", "-- only a comment;"},
		{"EXEC a.b.c.d @p = 'x';", "EXEC a.b.c.d @p = 'x';", ""},
		{"SELECT 1; SELECT 2", "SELECT 1;", " SELECT 2"},
		{"SELECT 1; SELECT 2;\nSELECT 'a;\n", "SELECT 1; SELECT 2;", "\nSELECT 'a;\n"},
		{"", "", ""},
	} {
		done, rest := split(tc.text)
		if done != tc.done || rest != tc.rest {
			t.Errorf("split(%q) = %q, %q; want %q, %q", tc.text, done, rest, tc.done, tc.rest)
		}
	}
}

func TestHistoryEntries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typed string
		want  []string
	}{
		{"SHOW PROVIDERS;", []string{"SHOW PROVIDERS;"}},
		{".output json\n", []string{".output json"}},
		// Lines that join without changing a token make one entry.
		{"SELECT name\n  FROM shop.store.items\n WHERE shop = 'north';\n",
			[]string{"SELECT name FROM shop.store.items WHERE shop = 'north';"}},
		{"SELECT /* note */ name\nFROM t;", []string{"SELECT /* note */ name FROM t;"}},
		// A "--" comment would swallow what follows it, a string would
		// change: the lines stay as typed.
		{"SELECT name -- the name\nFROM t;", []string{"SELECT name -- the name", "FROM t;"}},
		{"SELECT 'a\n  b' FROM t;", []string{"SELECT 'a", "b' FROM t;"}},
		// Credentials are never kept.
		{"EXEC shop.store.items.restore_item @shop = 'north', @token = 'ghp_abc';", nil},
		{"EXEC shop.store.items.restore_item\n  @shop = 'north',\n  @TOKEN='ghp_abc';", nil},
		{"SELECT * FROM t WHERE token = 'ghp_abc';", nil},
		{"EXEC a.b.c.d @client_secret = 'x';", nil},
		// A token pasted anywhere, in the shape GitHub gives tokens.
		{"SELECT * FROM t WHERE name = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';", nil},
		{"SELECT 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz';", nil},
		{"SELECT * FROM t WHERE\n name = 'gho_0123456789abcdefghijABCDEFGHIJ012345';", nil},
		{"SELECT 'token' AS token FROM t;", []string{"SELECT 'token' AS token FROM t;"}},
		{"SELECT * FROM t WHERE name = 'the token = x';", []string{"SELECT * FROM t WHERE name = 'the token = x';"}},
		{"  \n", nil},
	} {
		got := historyEntries(tc.typed, testSecrets)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("historyEntries(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}

// testSecrets are the secret params the tests' statements bind, as a
// provider would declare them.
var testSecrets = secretParams{"token": true, "client_secret": true}

// The secret params come from the schemas: the shop provider declares its
// restore token so, and nothing else.
func TestSecretsFromSchema(t *testing.T) {
	got := secretsOf(shopCatalog())
	if len(got) != 1 || !got["token"] {
		t.Fatalf("secret params %v, want token", got)
	}
	if !got.carried("EXEC x.y.z.w @TOKEN = 'a'") || got.carried("SELECT password = 'a' FROM t") {
		t.Error("carried does not follow the declared secrets")
	}
}
