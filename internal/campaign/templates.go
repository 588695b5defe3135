package campaign

import (
	"context"

	"github.com/vendredi-app/vendredi/internal/errs"
)

// Templates lists the templates, the built-in one first.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	return s.st.Campaigns.Templates(ctx)
}

// Template returns one template.
func (s *Service) Template(ctx context.Context, code string) (*Template, error) {
	return s.st.Campaigns.Template(ctx, code)
}

// CreateTemplate adds a template (errs.Conflict for a code taken).
func (s *Service) CreateTemplate(ctx context.Context, t *Template) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	return s.st.Campaigns.CreateTemplate(ctx, t)
}

// UpdateTemplate changes a template: the fields given replace the
// template's; the code stays.
func (s *Service) UpdateTemplate(ctx context.Context, code string, in TemplateInput) (*Template, error) {
	return s.st.Campaigns.UpdateTemplate(ctx, code, func(t *Template) error {
		in.applyTo(t)
		t.Code = code
		return t.Normalize()
	})
}

// DeleteTemplate removes a template no campaign was made from. The
// built-in drive stays: every company may start from it.
func (s *Service) DeleteTemplate(ctx context.Context, code string) error {
	if code == BuiltInTemplate {
		return errs.E(errs.Conflict, "the built-in template %q cannot be deleted; edit it instead", code)
	}
	return s.st.Campaigns.DeleteTemplate(ctx, code)
}
