// Placeholder: filled by the server entry work (issue 11).
export {};
