// placeholder
export function viewProfile() {}
