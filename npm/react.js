// Placeholder: filled by the react entry work (issue 11).
export {};
