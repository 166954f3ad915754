package host

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pkgql/pkgql/schema"
)

// Settings are the values found for one provider's declared settings, and
// where each was found. Secret values go to the provider through Configure
// and nowhere else.
type Settings struct {
	Decl    []schema.Setting
	Values  map[string]string
	Sources map[string]string // "--token-file PATH", "GITHUB_TOKEN", "gh auth token"
}

// commandTimeout bounds a setting's command, which may read a keyring.
const commandTimeout = 5 * time.Second

// FindSettings looks for the value of each declared setting, from the first
// source that has one: its flag, its environment variables in order, its
// command, its default. A command runs once every other setting is known, as
// its arguments may name them. Finding no value is not an error: public data
// needs no token, and the API's refusal says how to give one. An unreadable
// or empty secret file is a usage error. With secrets false (the sandbox)
// secret settings are left without a value.
func FindSettings(ctx context.Context, decl []schema.Setting, flags *pflag.FlagSet, getenv func(string) string, secrets bool) (Settings, error) {
	s := Settings{Decl: decl, Values: map[string]string{}, Sources: map[string]string{}}
	for _, st := range decl {
		if st.Secret && !secrets {
			continue
		}
		v, source, err := fromFlagOrEnv(st, flags, getenv)
		if err != nil {
			return Settings{}, err
		}
		if v == "" && len(st.Command) == 0 {
			v, source = st.Default, "default"
		}
		if v != "" {
			s.Values[st.Name], s.Sources[st.Name] = v, source
		}
	}
	for _, st := range decl {
		if _, ok := s.Values[st.Name]; ok || (st.Secret && !secrets) {
			continue
		}
		if args, ok := st.CommandArgs(s.Values); ok {
			if v := runCommand(ctx, args); v != "" {
				s.Values[st.Name], s.Sources[st.Name] = v, st.CommandName()
				continue
			}
		}
		if st.Default != "" {
			s.Values[st.Name], s.Sources[st.Name] = st.Default, "default"
		}
	}
	return s, nil
}

// fromFlagOrEnv is a setting's value from its flag (a secret's flag names a
// file holding it) or else its environment.
func fromFlagOrEnv(st schema.Setting, flags *pflag.FlagSet, getenv func(string) string) (value, source string, err error) {
	if f := flags.Lookup(st.Flag); st.Flag != "" && f != nil && f.Value.String() != "" {
		if !st.Secret {
			return f.Value.String(), "--" + st.Flag, nil
		}
		path := f.Value.String()
		b, err := os.ReadFile(path)
		if err != nil {
			return "", "", UsageError{fmt.Errorf("--%s: %w", st.Flag, err)}
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", "", UsageError{fmt.Errorf("--%s %s: the file is empty", st.Flag, path)}
		}
		return v, "--" + st.Flag + " " + path, nil
	}
	for _, env := range st.Env {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			return v, env, nil
		}
	}
	return "", "", nil
}

// runCommand is what a credential helper prints. Any failure (the program
// missing, not logged in, a host it does not know) is silent: it only means
// this source has no value.
func runCommand(ctx context.Context, args []string) string {
	path, err := exec.LookPath(args[0])
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args[1:]...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Secret is the declared secret setting, for messages about credentials; a
// provider that declares none needs none.
func (s Settings) Secret() (*schema.Setting, bool) {
	for i := range s.Decl {
		if s.Decl[i].Secret {
			return &s.Decl[i], true
		}
	}
	return nil, false
}

// SecretValues are the secret values found, to be hidden from every output.
func (s Settings) SecretValues() []string {
	var out []string
	for _, st := range s.Decl {
		if v := s.Values[st.Name]; st.Secret && v != "" {
			out = append(out, v)
		}
	}
	return out
}

// SourcesOf names where a setting is looked for, in order, for messages:
// "--token-file, GITHUB_TOKEN, GH_TOKEN or `gh auth token`".
func SourcesOf(st *schema.Setting) string {
	var list []string
	if st.Flag != "" {
		list = append(list, "--"+st.Flag)
	}
	list = append(list, st.Env...)
	if len(st.Command) > 0 {
		list = append(list, "`"+st.CommandName()+"`")
	}
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " or " + list[len(list)-1]
}
