package deploy

import (
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// composeFile is the part of the Compose specification compose.yaml uses;
// decoding it strictly catches a misspelt key.
type composeFile struct {
	Name     string                    `json:"name"`
	XServer  map[string]any            `json:"x-server"`
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
	Networks map[string]any            `json:"networks"`
}

type composeService struct {
	Image           string                                `json:"image"`
	Build           *struct{ Context, Dockerfile string } `json:"build"`
	Command         []string                              `json:"command"`
	Restart         string                                `json:"restart"`
	ReadOnly        bool                                  `json:"read_only"`
	Tmpfs           []string                              `json:"tmpfs"`
	User            string                                `json:"user"`
	CapDrop         []string                              `json:"cap_drop"`
	SecurityOpt     []string                              `json:"security_opt"`
	StopGracePeriod string                                `json:"stop_grace_period"`
	DependsOn       map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
	Environment map[string]string `json:"environment"`
	Ports       []string          `json:"ports"`
	Volumes     []string          `json:"volumes"`
	Healthcheck *struct {
		Test     []string `json:"test"`
		Interval string   `json:"interval"`
		Timeout  string   `json:"timeout"`
		Retries  int      `json:"retries"`
	} `json:"healthcheck"`
}

func TestComposeRunsTheWholeProductOnOneMachine(t *testing.T) {
	data, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// depends_on is a list in the proxy (short form): decode it apart.
	var raw struct {
		Services map[string]map[string]any `json:"services"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	if deps, ok := raw.Services["proxy"]["depends_on"].([]any); ok {
		for _, d := range deps {
			if d != "app-1" && d != "app-2" {
				t.Errorf("proxy depends on %v", d)
			}
		}
		delete(raw.Services["proxy"], "depends_on")
	} else {
		t.Error("the proxy does not wait for the two servers")
	}
	cleaned, _ := yaml.Marshal(raw)
	var c composeFile
	if err := yaml.UnmarshalStrict(cleaned, &c); err != nil {
		t.Fatalf("compose.yaml has a key this test does not know (a typo?): %v", err)
	}
	for _, want := range []string{"postgres", "provision", "migrate", "app-1", "app-2", "worker", "proxy", "mailpit", "stripe-mock"} {
		if _, ok := c.Services[want]; !ok {
			t.Errorf("no service %s", want)
		}
	}
	if m := c.Services["migrate"]; !slices.Equal(m.Command, []string{"migrate", "up"}) || !strings.Contains(m.Environment["DATABASE_OWNER_URL"], "vendredi_owner") {
		t.Errorf("migrate runs %v with owner URL %q", m.Command, m.Environment["DATABASE_OWNER_URL"])
	}
	caddy, err := os.ReadFile("compose/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{"app-1": {"serve"}, "app-2": {"serve"}, "worker": {"worker"}} {
		s := c.Services[name]
		if !slices.Equal(s.Command, want) {
			t.Errorf("%s runs %v, want %v", name, s.Command, want)
		}
		if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
			t.Errorf("%s starts before the migrations are applied", name)
		}
		if !s.ReadOnly || s.User == "" || s.User[0] == '0' || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: want a read-only root, a non-root user and no capabilities", name)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s is not built from deploy/Dockerfile", name)
		}
		if !strings.HasPrefix(s.Environment["DATABASE_URL"], "postgres://vendredi_app:") || s.Environment["SMTP_URL"] == "" {
			t.Errorf("%s: DATABASE_URL %q (want the app role), SMTP_URL %q", name, s.Environment["DATABASE_URL"], s.Environment["SMTP_URL"])
		}
		if name != "worker" && !strings.Contains(string(caddy), name+":3000") {
			t.Errorf("the proxy does not route to %s", name)
		}
	}
	if _, err := os.Stat("Dockerfile"); err != nil {
		t.Error(err)
	}
}

func TestDockerfileBuildsAStaticNonRootImage(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []string{"CGO_ENABLED=0", "FROM gcr.io/distroless/static", "USER 65532:65532", "./cmd/vendredi"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Count(df, "\nFROM ") < 2 {
		t.Error("the Dockerfile is not multi-stage: the toolchain would ship in the image")
	}
}
