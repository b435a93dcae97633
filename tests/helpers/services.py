"""The service classes by name, as `make run` starts them."""
from operations.supervisor import service_class_path


def service_class(service: str):
    module, _, cls = service_class_path(service).partition(":")
    return getattr(__import__(module, fromlist=[cls]), cls)
