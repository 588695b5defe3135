package scim

// The discovery documents (RFC 7644 §4): what this provider supports, so
// that a client configures itself from them.

type supported struct {
	Supported bool `json:"supported"`
}

type filterSupport struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type bulkSupport struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Primary     bool   `json:"primary"`
}

type simpleMeta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

// SPConfig is the ServiceProviderConfig document.
type SPConfig struct {
	Schemas          []string      `json:"schemas"`
	DocumentationURI string        `json:"documentationUri"`
	Patch            supported     `json:"patch"`
	Bulk             bulkSupport   `json:"bulk"`
	Filter           filterSupport `json:"filter"`
	ChangePassword   supported     `json:"changePassword"`
	Sort             supported     `json:"sort"`
	ETag             supported     `json:"etag"`
	AuthSchemes      []authScheme  `json:"authenticationSchemes"`
	Meta             simpleMeta    `json:"meta"`
}

// ServiceProviderConfig says what is supported: PATCH, filters (eq and
// and), ETags; no bulk, sort nor password change (people have none).
func ServiceProviderConfig(docs, base string) SPConfig {
	return SPConfig{Schemas: []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}, DocumentationURI: docs,
		Patch: supported{true}, Filter: filterSupport{true, MaxCount}, ETag: supported{true},
		AuthSchemes: []authScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "An API token of the company with the scim scope, made by an HR admin at /admin/tokens", Primary: true}},
		Meta: simpleMeta{ResourceType: "ServiceProviderConfig", Location: base + "/ServiceProviderConfig"}}
}

// ResourceType describes Users or Groups.
type ResourceType struct {
	Schemas    []string         `json:"schemas"`
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Endpoint   string           `json:"endpoint"`
	Schema     string           `json:"schema"`
	Extensions []schemaExtended `json:"schemaExtensions,omitempty"`
	Meta       simpleMeta       `json:"meta"`
}

type schemaExtended struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// ResourceTypes are the two resources served.
func ResourceTypes(base string) []ResourceType {
	return []ResourceType{
		{Schemas: []string{SchemaResource}, ID: "User", Name: "User", Endpoint: "/Users", Schema: SchemaUser,
			Extensions: []schemaExtended{{Schema: SchemaEnterprise}}, Meta: simpleMeta{"ResourceType", base + "/ResourceTypes/User"}},
		{Schemas: []string{SchemaResource}, ID: "Group", Name: "Group", Endpoint: "/Groups", Schema: SchemaGroup,
			Meta: simpleMeta{"ResourceType", base + "/ResourceTypes/Group"}},
	}
}

// Attribute describes one attribute of a schema.
type Attribute struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"`
	MultiValued   bool        `json:"multiValued"`
	Required      bool        `json:"required"`
	CaseExact     bool        `json:"caseExact"`
	Mutability    string      `json:"mutability"`
	Returned      string      `json:"returned"`
	Uniqueness    string      `json:"uniqueness"`
	Description   string      `json:"description,omitempty"`
	SubAttributes []Attribute `json:"subAttributes,omitempty"`
}

// Schema describes a resource's attributes: only those the product keeps.
type Schema struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Attributes  []Attribute `json:"attributes"`
	Meta        simpleMeta  `json:"meta"`
}

func attr(name, typ, desc string) Attribute {
	return Attribute{Name: name, Type: typ, Mutability: "readWrite", Returned: "default", Uniqueness: "none", Description: desc}
}

// Schemas are the User, enterprise User and Group schemas as served.
func Schemas(base string) []Schema {
	userName := attr("userName", "string", "The person's email address: they sign in with it. Unique in the company.")
	userName.Required, userName.Uniqueness = true, "server"
	name := attr("name", "complex", "The name's parts; formatted is the name shown in the product.")
	name.SubAttributes = []Attribute{attr("formatted", "string", ""), attr("givenName", "string", ""), attr("familyName", "string", "")}
	emails := attr("emails", "complex", "The address, the same as userName.")
	emails.MultiValued, emails.Mutability = true, "readOnly"
	emails.SubAttributes = []Attribute{attr("value", "string", ""), attr("type", "string", ""), attr("primary", "boolean", "")}
	members := attr("members", "complex", "The users in the department.")
	members.MultiValued = true
	members.SubAttributes = []Attribute{attr("value", "string", "A user's id."), attr("display", "string", "")}
	groupName := attr("displayName", "string", "The department's name.")
	groupName.Required, groupName.Uniqueness = true, "server"
	return []Schema{
		{Schemas: []string{SchemaSchema}, ID: SchemaUser, Name: "User", Description: "A person of the company",
			Attributes: []Attribute{userName, attr("externalId", "string", "The identity provider's id."), name,
				attr("displayName", "string", "The name shown in the product."),
				attr("active", "boolean", "False disables the person: no sign-in; their participations and hours stay."), emails},
			Meta: simpleMeta{"Schema", base + "/Schemas/" + SchemaUser}},
		{Schemas: []string{SchemaSchema}, ID: SchemaEnterprise, Name: "EnterpriseUser", Description: "Enterprise extension",
			Attributes: []Attribute{attr("department", "string", "The person's department, also their group.")},
			Meta:       simpleMeta{"Schema", base + "/Schemas/" + SchemaEnterprise}},
		{Schemas: []string{SchemaSchema}, ID: SchemaGroup, Name: "Group", Description: "A department of the company",
			Attributes: []Attribute{groupName, attr("externalId", "string", "The identity provider's id."), members},
			Meta:       simpleMeta{"Schema", base + "/Schemas/" + SchemaGroup}},
	}
}
