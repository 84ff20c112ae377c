"""Moving a WordPress site here: the export's conversion (``wordpress``, ``blocks``), run by the
editors' tool (``newsroom import-wordpress``) and by the imports function (``run``) when an admin
uploads an export in the desk."""
