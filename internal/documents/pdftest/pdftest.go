// Package pdftest reads PDF documents back for tests, as people and
// screen readers do: their text through pdftotext (Debian's
// poppler-utils) and their title through pdfinfo.
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text is the document's text row by row as laid out (pdftotext -layout),
// with its lines joined by spaces and runs of spaces folded, so that a
// phrase wrapped over two lines is still found. Without pdftotext the
// test is skipped, except in CI where it fails (.ci/run installs
// poppler-utils).
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	out := run(t, "pdftotext", pdf, "-layout", "-enc", "UTF-8")
	return strings.Join(strings.Fields(strings.ReplaceAll(out, "\u00a0", " ")), " ")
}

// Info is pdfinfo's report on the document: Title, Author, Pages…
func Info(t testing.TB, pdf []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(run(t, "pdfinfo", pdf), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// Lang is the document's /Lang entry, the language screen readers read it in.
func Lang(pdf []byte) string {
	_, after, ok := bytes.Cut(pdf, []byte("/Lang ("))
	if !ok {
		return ""
	}
	lang, _, _ := bytes.Cut(after, []byte(")"))
	return string(lang)
}

func run(t testing.TB, tool string, pdf []byte, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed: .ci/run installs it (apt-get install poppler-utils)", tool)
		}
		t.Skipf("%s is not installed (Debian: poppler-utils)", tool)
	}
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmdArgs := append(args, in)
	if tool == "pdftotext" {
		cmdArgs = append(cmdArgs, "-")
	}
	out, err := exec.Command(tool, cmdArgs...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}
