"""Unbound extensions, bound to an app in create_app().

The flask-smorest Api is not here: it holds the OpenAPI document, so each app gets its own.
"""

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from companion.core.db import Base, include_object, render_item

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(compare_type=True, render_as_batch=True, render_item=render_item, include_object=include_object)

# The models' base class. At run time it is Flask-SQLAlchemy's subclass of Base; a type checker
# cannot subclass an attribute (`db.Model`), so it is shown Base, which declares every column type.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
