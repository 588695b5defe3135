package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
	"sigs.k8s.io/yaml"
)

// settingsOf lists the environment variables the command line reads, for
// cmd and its subcommands.
func settingsOf(cmd *cli.Command, into map[string]bool) {
	for _, f := range cmd.Flags {
		if df, ok := f.(cli.DocGenerationFlag); ok {
			for _, e := range df.GetEnvVars() {
				into[e] = true
			}
		}
	}
	for _, sub := range cmd.Commands {
		settingsOf(sub, into)
	}
}

// Read by libraries, not by flags: the OpenTelemetry SDK, and billing's
// Stripe settings, which compose passes ahead of the billing work.
func readElsewhere(name string) bool {
	return strings.HasPrefix(name, "OTEL_") || strings.HasPrefix(name, "STRIPE_")
}

// A setting misspelt in deploy/ would be ignored silently, the server
// running on its development default: every variable the ConfigMap, the
// manifests and the compose file set is one the binary reads.
func TestDeploySetsOnlySettingsTheBinaryReads(t *testing.T) {
	known := map[string]bool{}
	settingsOf(rootCommand(io.Discard, io.Discard), known)
	check := func(where string, names []string) {
		t.Helper()
		if len(names) == 0 {
			t.Errorf("%s: no settings read", where)
		}
		for _, n := range names {
			if !known[n] && !readElsewhere(n) {
				t.Errorf("%s sets %s, which vendredi does not read", where, n)
			}
		}
	}
	var cm struct{ Data map[string]string }
	readYAML(t, "../../deploy/k8s/config.yaml", &cm)
	check("deploy/k8s/config.yaml", keys(cm.Data))
	for _, f := range []string{"web.yaml", "worker.yaml", "migrate-job.yaml"} {
		var obj struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Env []struct{ Name string }
						}
					}
				}
			}
		}
		readYAML(t, "../../deploy/k8s/"+f, &obj)
		var names []string
		for _, c := range obj.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				names = append(names, e.Name)
			}
		}
		check("deploy/k8s/"+f, names)
	}
	var compose struct {
		Services map[string]struct{ Environment map[string]string }
	}
	readYAML(t, "../../deploy/compose.yaml", &compose)
	for name, s := range compose.Services {
		if slices.Contains([]string{"app-1", "app-2", "worker", "migrate"}, name) {
			check("deploy/compose.yaml "+name, keys(s.Environment))
		}
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
