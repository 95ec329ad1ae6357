/** Version 1 of the Embargo Policy, published by `cordon init` when no version exists (docs/architecture.md). */
export const DEFAULT_POLICY = `Embargo Policy

1. What members receive stays with the people in their team who need to know, until the agreed public disclosure time, unless the maintainers approve otherwise.

2. Before a member shares list information with a team member, that person must have agreed to these same terms. Cordon records those agreements.

3. The information may be used only to fix the issue for the distribution's users.

4. A member who leaks list information, or learns of a leak, tells the maintainers at once what leaked and to whom (a leak report). A member who keeps leaking is removed for good and cannot apply again.

5. Embargoes are short. The disclosure date is agreed between the maintainers, the reporter and the distributors; for a critical issue with a plain mitigation it is on the order of 14 business days.

6. This policy is versioned. A member receives list mail only while it has acknowledged the current version.
`;
