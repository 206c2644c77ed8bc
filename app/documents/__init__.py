"""Documents of an application: the uploaded photo, the printable 申请审核表 (PDF) and its QR check."""
