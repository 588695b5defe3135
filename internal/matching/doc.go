// Package matching decides which missions suit which employees: hard
// eligibility filters, an explained integer score, top-k recommendations for
// one employee through an index, and the exact campaign-wide allocation
// (a min-cost flow solved by package mcf) that HR admins run to propose
// missions to every employee at once.
//
// The package knows nothing about storage or HTTP: callers load employees,
// missions and the campaign, call it, and persist the proposals.
// docs/matching.md describes the formula, the index and the algorithm.
package matching
