"""Unbound extension instances; bound to an app in create_app."""

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = get_sqla_class()(metadata=Model.metadata)
migrate = Migrate()
csrf = CSRFProtect()
