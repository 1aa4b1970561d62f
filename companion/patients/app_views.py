from flask_smorest import Blueprint

blp = Blueprint(__name__.replace(".", "_"), __name__)
