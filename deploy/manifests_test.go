// Package deploy holds what an operator runs Vendredi with: the container
// image, a compose file for one machine and Kubernetes manifests. Its tests
// read them as Kubernetes and Compose would, with no cluster and no network.
package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// kustomization is the part of kustomize's file these manifests use.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels"`
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
}

// manifests decodes every document of deploy/k8s strictly into its
// Kubernetes API type: an unknown or misspelt field fails.
type manifests struct {
	deployments  map[string]*appsv1.Deployment
	jobs         map[string]*batchv1.Job
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	ingresses    []*networkingv1.Ingress
	hpas         []*autoscalingv2.HorizontalPodAutoscaler
	pdbs         []*policyv1.PodDisruptionBudget
	kustomize    kustomization
	resourceFile map[string]bool
}

var typeOf = map[string]func() any{
	"apps/v1/Deployment":                            func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                                  func() any { return &batchv1.Job{} },
	"v1/Service":                                    func() any { return &corev1.Service{} },
	"v1/ConfigMap":                                  func() any { return &corev1.ConfigMap{} },
	"networking.k8s.io/v1/Ingress":                  func() any { return &networkingv1.Ingress{} },
	"autoscaling/v2/HorizontalPodAutoscaler":        func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":                 func() any { return &policyv1.PodDisruptionBudget{} },
	"kustomize.config.k8s.io/v1beta1/Kustomization": func() any { return &kustomization{} },
}

var docSep = regexp.MustCompile(`(?m)^---\s*$`)

func load(t *testing.T) *manifests {
	t.Helper()
	m := &manifests{deployments: map[string]*appsv1.Deployment{}, jobs: map[string]*batchv1.Job{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{}, resourceFile: map[string]bool{}}
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/k8s: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range docSep.Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var head struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			key := head.APIVersion + "/" + head.Kind
			if head.Kind == "Secret" {
				t.Errorf("%s: a Secret is inlined; secrets are created apart and referenced", f)
				continue
			}
			newObj, ok := typeOf[key]
			if !ok {
				t.Errorf("%s #%d: %s is not a type this test knows: add it to typeOf", f, i, key)
				continue
			}
			obj := newObj()
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Errorf("%s #%d (%s): %v", f, i, key, err)
				continue
			}
			if filepath.Base(f) != "kustomization.yaml" {
				m.resourceFile[filepath.Base(f)] = true
			}
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployments[o.Name] = o
			case *batchv1.Job:
				m.jobs[o.Name] = o
			case *corev1.Service:
				m.services[o.Name] = o
			case *corev1.ConfigMap:
				m.configMaps[o.Name] = o
			case *networkingv1.Ingress:
				m.ingresses = append(m.ingresses, o)
			case *autoscalingv2.HorizontalPodAutoscaler:
				m.hpas = append(m.hpas, o)
			case *policyv1.PodDisruptionBudget:
				m.pdbs = append(m.pdbs, o)
			case *kustomization:
				m.kustomize = *o
			}
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestManifestsDecodeStrictly(t *testing.T) {
	m := load(t)
	var listed []string
	for _, r := range m.kustomize.Resources {
		listed = append(listed, r)
		if !m.resourceFile[r] {
			t.Errorf("kustomization.yaml lists %s, which is not a manifest here", r)
		}
	}
	for f := range m.resourceFile {
		if !slices.Contains(listed, f) {
			t.Errorf("%s is not in kustomization.yaml: kubectl apply -k would leave it out", f)
		}
	}
	for _, want := range []string{"vendredi-web", "vendredi-worker"} {
		if m.deployments[want] == nil {
			t.Errorf("no Deployment %s", want)
		}
	}
	if m.jobs["vendredi-migrate"] == nil {
		t.Error("no migration Job vendredi-migrate")
	}
	if len(m.ingresses) == 0 || len(m.hpas) == 0 || len(m.pdbs) == 0 || m.services["vendredi-web"] == nil || m.configMaps["vendredi"] == nil {
		t.Fatalf("want an Ingress, a HorizontalPodAutoscaler, a PodDisruptionBudget, the Service and the ConfigMap vendredi-web")
	}
}

// Every pod runs as a non-root user on a read-only root filesystem, with no
// privilege to gain, within declared resources.
func TestPodsAreLockedDownAndBounded(t *testing.T) {
	m := load(t)
	pods := map[string]corev1.PodSpec{}
	for name, d := range m.deployments {
		pods["Deployment "+name] = d.Spec.Template.Spec
	}
	for name, j := range m.jobs {
		pods["Job "+name] = j.Spec.Template.Spec
	}
	for name, pod := range pods {
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: the pod must run as non-root with a non-zero runAsUser", name)
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("%s: the pod needs no Kubernetes API token: automountServiceAccountToken: false", name)
		}
		for _, c := range append(pod.InitContainers, pod.Containers...) {
			where := name + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: readOnlyRootFilesystem must be true", where)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", where)
			}
			if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s: capabilities must drop ALL", where)
			}
			if sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Errorf("%s: runs as root", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[r]; !ok {
					t.Errorf("%s: no %s request", where, r)
				}
				if _, ok := c.Resources.Limits[r]; !ok {
					t.Errorf("%s: no %s limit", where, r)
				}
			}
			if c.Image != "vendredi" {
				t.Errorf("%s: image %q; want \"vendredi\", which kustomization.yaml's images maps to the registry", where, c.Image)
			}
			checkSecrets(t, where, c)
		}
	}
}

// secretEnv are the settings that hold credentials: they come from a
// Secret, never from a literal or the ConfigMap.
var secretEnv = []string{"DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_ADMIN_URL", "DATABASE_LISTEN_URL", "SMTP_URL"}

func checkSecrets(t *testing.T, where string, c corev1.Container) {
	t.Helper()
	for _, e := range c.Env {
		if slices.Contains(secretEnv, e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("%s: %s must come from a secretKeyRef", where, e.Name)
		}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name != "vendredi" {
			t.Errorf("%s: %s refers to Secret %q; the README documents \"vendredi\"", where, e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
	}
}

func TestConfigMapHoldsNoCredentials(t *testing.T) {
	m := load(t)
	for k, v := range m.configMaps["vendredi"].Data {
		if slices.Contains(secretEnv, k) || regexp.MustCompile(`://[^/@]+:[^/@]+@`).MatchString(v) {
			t.Errorf("ConfigMap key %s holds a credential: move it to the Secret", k)
		}
	}
}

func TestWebProbesServiceIngressAutoscaling(t *testing.T) {
	m := load(t)
	web := m.deployments["vendredi-web"]
	if web == nil {
		t.Fatal("no vendredi-web")
	}
	c := web.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("web runs %v, want serve", c.Args)
	}
	probe := func(name string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
			t.Errorf("web %s probe: want GET %s", name, path)
			return
		}
		if !hasPort(c, p.HTTPGet.Port.String()) {
			t.Errorf("web %s probe: port %s is not a port of the container", name, p.HTTPGet.Port.String())
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	if w := m.deployments["vendredi-worker"]; w != nil && !slices.Equal(w.Spec.Template.Spec.Containers[0].Args, []string{"worker"}) {
		t.Errorf("worker runs %v, want worker", w.Spec.Template.Spec.Containers[0].Args)
	}
	if j := m.jobs["vendredi-migrate"]; j != nil {
		jc := j.Spec.Template.Spec.Containers[0]
		if !slices.Equal(jc.Args, []string{"migrate", "up"}) || !hasSecretEnv(jc, "DATABASE_OWNER_URL") {
			t.Errorf("the migration Job runs %v; want migrate up with DATABASE_OWNER_URL from the Secret", jc.Args)
		}
	}
	if !hasSecretEnv(c, "DATABASE_URL") {
		t.Error("web: DATABASE_URL must come from the Secret")
	}

	podLabels := web.Spec.Template.Labels
	if !matches(web.Spec.Selector.MatchLabels, podLabels) {
		t.Error("web: the selector does not match its pods")
	}
	svc := m.services["vendredi-web"]
	if !matches(svc.Spec.Selector, podLabels) {
		t.Error("Service vendredi-web selects no web pod")
	}
	svcPorts := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Name] = true
		if !hasPort(c, p.TargetPort.String()) {
			t.Errorf("Service port %s targets %s, which the container does not expose", p.Name, p.TargetPort.String())
		}
	}
	if !svcPorts["metrics"] {
		t.Error("Service vendredi-web does not expose metrics")
	}

	var hosts []string
	for _, ing := range m.ingresses {
		for _, r := range ing.Spec.Rules {
			hosts = append(hosts, r.Host)
			for _, p := range r.HTTP.Paths {
				b := p.Backend.Service
				if b == nil || b.Name != svc.Name || !svcPorts[b.Port.Name] {
					t.Errorf("Ingress rule %s goes to %+v, not a port of Service %s", r.Host, b, svc.Name)
				}
			}
		}
	}
	base := m.configMaps["vendredi"].Data["BASE_DOMAIN"]
	if !slices.Contains(hosts, base) || !slices.Contains(hosts, "*."+base) {
		t.Errorf("Ingress hosts %v: want the bare domain %s and the companies' wildcard *.%s", hosts, base, base)
	}

	hpa := m.hpas[0]
	if hpa.Spec.ScaleTargetRef.Kind != "Deployment" || hpa.Spec.ScaleTargetRef.Name != web.Name {
		t.Errorf("the HorizontalPodAutoscaler scales %s %s, not the web Deployment", hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Error("the HorizontalPodAutoscaler may go below two replicas")
	}
	pdb := m.pdbs[0]
	if !matches(pdb.Spec.Selector.MatchLabels, podLabels) || pdb.Spec.MinAvailable == nil {
		t.Error("the PodDisruptionBudget does not keep web pods")
	}
	grace := web.Spec.Template.Spec.TerminationGracePeriodSeconds
	shutdown := m.configMaps["vendredi"].Data["SHUTDOWN_TIMEOUT"]
	var sec int64
	if _, err := fmt.Sscanf(shutdown, "%ds", &sec); err != nil || grace == nil || *grace <= sec {
		t.Errorf("terminationGracePeriodSeconds %v must exceed SHUTDOWN_TIMEOUT %s, or Kubernetes kills requests still draining", grace, shutdown)
	}
}

func hasPort(c corev1.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
			return true
		}
	}
	return false
}

func hasSecretEnv(c corev1.Container, name string) bool {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return true
		}
	}
	return false
}

func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// The strict decoding is what catches a misspelt field: prove it does.
func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	bad := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 2\n  replicaz: 3\n")
	if err := yaml.UnmarshalStrict(bad, &appsv1.Deployment{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("replicaz")) {
		t.Fatalf("a misspelt field decoded without error: %v", err)
	}
}
