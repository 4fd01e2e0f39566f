"""Parts of layout shared by the pages (not pages themselves: st.navigation does not list them)."""
