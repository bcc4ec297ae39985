//! `open_enum!`: string enums that keep a value they do not know instead of failing.

/// Declares a forward-compatible string enum: known wire names map to variants, anything
/// else to `Unknown(String)`, kept verbatim.
///
/// An optional first line `#[open_enum(kind = "…", wire = "…", expecting = "…")]` names
/// what one value is (`kind`, in the docs of `Unknown` and `is_unknown`), what its wire
/// form is called (`wire`, in the docs of `as_str`) and what serde's "invalid type" error
/// says was expected; by default a "value" and `a <Name> string`.
macro_rules! open_enum {
    (
        #[open_enum(kind = $kind:literal, wire = $wire_noun:literal, expecting = $expecting:expr)]
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            #[doc = concat!("A ", $kind, " this version of the crate does not know, kept verbatim.")]
            Unknown(String),
        }

        impl $name {
            #[doc = concat!("The ", $wire_noun, " on the wire.")]
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }

            #[doc = concat!("Whether this is a ", $kind, " the crate does not know.")]
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }

            fn known(name: &str) -> Option<Self> {
                match name {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                $name::known(name).unwrap_or_else(|| $name::Unknown(name.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> Self {
                $name::known(&name).unwrap_or($name::Unknown(name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl ::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $crate::events::open_enum::open_enum! {
            #[open_enum(
                kind = "value",
                wire = "value",
                expecting = concat!("a ", stringify!($name), " string")
            )]
            $(#[$meta])*
            pub enum $name {
                $( $(#[$vmeta])* $variant = $wire, )+
            }
        }
    };
}

pub(crate) use open_enum;
